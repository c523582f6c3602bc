// Push delivery of SETs (RFC 8935 §2): POST the compact JWS to the receiver's endpoint as
// application/secevent+jwt and read the answer, all within one deadline (connect, TLS, send,
// answer), so a slow or dead receiver costs its own stream that long and no more. https
// endpoints are verified against the system's trust store and the URL's host name.
//
// One client serves one stream and keeps its connection open between SETs (HTTP/1.1
// keep-alive): a new TCP (and TLS) handshake per SET would cap a stream at a few hundred SETs a
// second. A connection the receiver closed while idle is noticed on the next push, which then
// opens a fresh one and sends the SET once more (at least once; receivers drop duplicates by jti).
//
// Thread-safety: one thread at a time per client; clients are independent.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace jwtd::app {

enum class PushOutcome {
  kAccepted,  // 202: the receiver has the SET
  kRejected,  // 400: the receiver refused this SET (RFC 8935 §2.3); sending it again won't help
  kFailed,    // anything else (connection, timeout, 5xx, another status): try again later
};

struct PushResult {
  PushOutcome outcome = PushOutcome::kFailed;
  int status = 0;     // the HTTP status, 0 when none was read
  std::string error;  // why, for the operator (a status or a socket error; never the SET)
};

class SsfPushClient {
 public:
  explicit SsfPushClient(std::chrono::milliseconds timeout);
  ~SsfPushClient();
  SsfPushClient(const SsfPushClient&) = delete;
  SsfPushClient& operator=(const SsfPushClient&) = delete;

  // Delivers one SET to `endpoint_url`, reusing the open connection when it goes to the same
  // endpoint.
  PushResult Push(const std::string& endpoint_url, std::string_view set);

  // Closes the open connection, if any (the stream is idle or failing).
  void Close();

 private:
  struct Connection;
  const std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace jwtd::app
