// Streamed responses (Server-Sent Events): a handler answers with a head at once and a source
// that writes the body piece by piece for as long as it lasts — GET /v1/revocations/stream.
//
// The connection writes the head, then hands the source a sink. The source writes into the sink
// from any thread (the revocation feed's, typically); the connection frames each write as one
// HTTP/1.1 chunk, writes it with a deadline, and ends the stream when the client goes away, does
// not read within the deadline, lets its buffer pass its bound, or the server stops. Writes never
// block the source: a slow client is dropped, never allowed to grow the node's memory or to
// delay the other streams.
//
// Handler-facing (no Beast). Thread-safety: StreamSink is thread-safe; StreamSource's methods
// are called by the connection, Stopped once, after which the source must stop writing (a
// write already racing it is refused, harmlessly).
#pragma once

#include <memory>
#include <string_view>

namespace jwtd::http {

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `bytes` to be written (one chunk). Never blocks. False when the stream has ended or
  // this write would pass the buffer bound — the stream is then closed (the client reconnects).
  virtual bool Write(std::string_view bytes) = 0;
  // Writes what is queued, ends the body (the last chunk) and closes the connection.
  virtual void End() = 0;
};

class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // The head is written: produce the body into `sink` from now on.
  virtual void Start(std::shared_ptr<StreamSink> sink) = 0;
  // The stream is over (ended, client gone, write deadline, buffer bound, shutdown).
  virtual void Stopped() = 0;
};

}  // namespace jwtd::http
