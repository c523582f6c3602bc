// jwtd::http::StreamChannel — the sink a connection gives a stream's source: a bounded buffer
// between the source's thread (which must never block) and the connection's I/O thread (which
// writes what is queued, one write at a time).
//
// Each Write is framed as one HTTP/1.1 chunk (RFC 9112 §7.1); End adds the last chunk. A write
// that would take the bytes queued and not yet taken past `max_bytes` overflows the channel: it
// is refused, so is every later one, and the connection is woken to drop the client. A write into
// an empty queue is always taken (a batch may be larger than the bound), so a stream holds at
// most about max_bytes plus one batch plus what is in flight. An empty write is ignored (an empty
// chunk would end the body).
//
// Thread-safety: every method is thread-safe. `wake` runs with the channel's lock held (so that
// once Close returns it never runs again): it must only post to the connection's executor.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "http/stream.h"

namespace jwtd::http {

class StreamChannel final : public StreamSink {
 public:
  StreamChannel(std::size_t max_bytes, std::function<void()> wake);

  bool Write(std::string_view bytes) override;
  void End() override;

  // --- the connection's side ---
  struct Taken {
    bool ended = false;       // *out ends with the last chunk: close after writing it
    bool overflowed = false;  // drop the client (nothing was appended)
  };
  // Appends everything queued (framed) to *out and empties the queue.
  Taken Take(std::string* out);
  // The connection is gone: every later Write is refused and `wake` never runs again.
  void Close();
  // Whether the client is to be dropped (checked while a write is in flight, which may never end).
  bool overflowed() const;
  std::size_t queued_bytes() const;

 private:
  // mu_ held: asks the connection to look at the channel, once until its next Take.
  void WakeLocked();

  const std::size_t max_bytes_;
  const std::function<void()> wake_;
  mutable std::mutex mu_;
  std::string queued_;  // framed chunks; guarded by mu_
  bool ended_ = false, last_taken_ = false, overflowed_ = false, closed_ = false;  // mu_
  bool wake_posted_ = false;                                                       // mu_
};

}  // namespace jwtd::http
