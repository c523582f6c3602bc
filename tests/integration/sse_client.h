// A Server-Sent Events follower for integration tests: one GET over a blocking loopback socket,
// the head parsed, then the chunked body decoded and split into events as they arrive. Decodes
// the framing itself (not with Beast) so that the server's chunks are checked independently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jwtd::testing {

struct SseEvent {
  std::string id, event, data;
};

class SseClient {
 public:
  // Connects to 127.0.0.1:port and sends `GET target` with `headers`; reads the head (within
  // 5 s). receive_buffer > 0 sets SO_RCVBUF before connecting (a slow reader's small window).
  SseClient(std::uint16_t port, const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers,
            int receive_buffer = 0);
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }
  std::string Header(const std::string& lower_name) const;
  // The next event within timeout_ms; nullopt on timeout, on the body's end or a closed socket.
  std::optional<SseEvent> Next(int timeout_ms);
  // The next event of type `event` (others skipped) within timeout_ms.
  std::optional<SseEvent> NextOf(const std::string& event, int timeout_ms);
  bool ended() const { return ended_; }    // the last chunk arrived: a clean end of the body
  bool closed() const { return closed_; }  // the connection closed (cleanly or not)
  // A body that was not chunked (a complete response: errors, a repage), as read to its end.
  const std::string& plain_body() const { return plain_; }

 private:
  bool ReadMore(int timeout_ms);  // false: timeout or closed
  bool DecodeChunks();            // moves whole chunks from raw_ to text_; false on bad framing
  std::optional<SseEvent> TakeEvent();

  int fd_ = -1;
  int status_ = 0;
  bool chunked_ = false, ended_ = false, closed_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string raw_;    // bytes read and not yet decoded
  std::string text_;   // decoded body not yet split into events
  std::string plain_;  // a non-chunked body
};

}  // namespace jwtd::testing
