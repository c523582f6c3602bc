#include "http/connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <type_traits>

#include "http/error_mapping.h"
#include "http/exchange.h"
#include "http/forwarded.h"
#include "http/stream_channel.h"
#include "jwtd/random.h"

namespace jwtd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using PlainStream = Socket;
using TlsStream = beast::ssl_stream<Socket>;

// How long a TLS connection waits for the client's close_notify after sending its own.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{2000};
// How long a stream's last chunk may take when the server stops (it does not wait on streams).
constexpr std::chrono::milliseconds kStreamEndTimeout{1000};

}  // namespace

// Stream is PlainStream or TlsStream; everything else is the same HTTP/1.1 code.
template <class Stream>
class StreamConnection final : public Connection,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `context`: the TLS context this connection keeps for its lifetime (null for plain HTTP).
  StreamConnection(ServerCore& core, Socket socket, std::uint64_t id, TlsContextPtr context,
                   DeadlineSweeper& sweeper)
      : core_(core),
        sweeper_(sweeper),
        context_(std::move(context)),
        stream_(MakeStream(std::move(socket), context_)),
        id_(id),
        id_prefix_(RandomToken(6)) {
    core_.metrics.ConnectionOpened();
    beast::error_code ec;
    const auto peer = Lowest().remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string();
    client_ = peer_;
  }
  ~StreamConnection() override {
    if (channel_ != nullptr) channel_->Close();
    core_.registry.Remove(id_);
    core_.metrics.ConnectionClosed();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      self->sweeper_.Watch(self);
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

  void Shutdown() override {
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      self->stopping_ = true;
      if (self->state_ == State::kReading) self->Close();
      if (self->state_ == State::kStreaming) self->EndStream();
    });
  }

  // The pending read or write fails with operation_aborted and its handler closes the rest.
  void CloseIfPastDeadline(std::int64_t now_ms) override {
    if (deadline_ms_ == 0 || now_ms < deadline_ms_) return;
    deadline_ms_ = 0;
    beast::error_code ec;
    Lowest().close(ec);
  }

 private:
  // kStreaming: the head of a streamed response is written; the source writes the body.
  enum class State { kReading, kBusy, kStreaming, kClosed };

  static Stream MakeStream(Socket socket, const TlsContextPtr& context) {
    if constexpr (kTls) {
      return Stream(PlainStream(std::move(socket)), *context);
    } else {
      return Stream(std::move(socket));
    }
  }
  std::shared_ptr<StreamConnection> Self() { return this->shared_from_this(); }
  Socket& Lowest() { return beast::get_lowest_layer(stream_); }
  // The I/O about to start must finish within `timeout` (DeadlineSweeper).
  void ExpiresAfter(std::chrono::milliseconds timeout) {
    deadline_ms_ = CoarseMonotonicMillis() + timeout.count();
  }
  // No I/O is pending: a handler is running (its time is not the client's).
  void NoDeadline() { deadline_ms_ = 0; }

  void Handshake();
  void Read();
  void WaitForRequest();
  void ReadHeader();
  void ContinueIfExpected();
  void OnRead(beast::error_code ec);
  void Refuse(Response answer);
  void Dispatch(Request request, bool keep_alive);
  void RunLater(Deferred job, std::size_t route, bool keep_alive);
  void Send(Response response, std::size_t route, bool keep_alive);
  void OnWrite(beast::error_code ec, bool close);
  void StartStream(Response head, std::shared_ptr<StreamSource> source, std::size_t route);
  void WatchStreamClosed();
  void FlushStream();
  void EndStream();
  void CloseStream(bool dropped);
  void Finish();
  void Close();
  void Log(const Response& response, std::size_t route, std::int64_t nanos) const;

  ServerCore& core_;
  DeadlineSweeper& sweeper_;     // of this connection's io_context
  const TlsContextPtr context_;  // outlives stream_, which points into it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string out_;  // the response being written (whole, one buffer), or a stream's chunks
  // A streamed response: the channel its source writes into, and the source (stream.h).
  std::shared_ptr<StreamChannel> channel_;
  std::shared_ptr<StreamSource> source_;
  bool writing_ = false;  // a stream write is in flight
  const std::uint64_t id_;
  const std::string id_prefix_;  // request ids: <prefix>-<n>
  std::uint64_t served_ = 0;
  std::string peer_;
  // Per exchange (one at a time on this connection).
  std::string method_, request_id_, client_;
  std::int64_t started_ = 0;
  State state_ = State::kReading;
  bool stopping_ = false;
  std::int64_t deadline_ms_ = 0;  // CoarseMonotonicMillis; 0: none
};

// The whole handshake within read_timeout: a client that opens a connection and never finishes
// it (or speaks plain HTTP to the TLS port) is dropped, like a slow request.
template <class Stream>
void StreamConnection<Stream>::Handshake() {
  if constexpr (kTls) {
    ExpiresAfter(core_.api.options.read_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = Self()](beast::error_code ec) {
      if (ec) {
        // Scanners and plain-HTTP clients: not worth more than debug.
        spdlog::debug("tls handshake failed client={}: {}", self->peer_, ec.message());
        return self->Close();
      }
      self->Read();
    });
  }
}

template <class Stream>
void StreamConnection<Stream>::Read() {
  if (stopping_ || core_.stopping.load()) return Close();
  state_ = State::kReading;
  parser_.emplace();
  ApplyLimits(core_.api.options, *parser_);
  if (served_ > 0 && buffer_.size() == 0) return WaitForRequest();
  // The whole request within read_timeout: a slow or half-open client cannot hold us.
  ExpiresAfter(core_.api.options.read_timeout);
  ReadHeader();
}

template <class Stream>
void StreamConnection<Stream>::ReadHeader() {
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = Self()](beast::error_code ec, std::size_t) {
                             if (ec) return self->OnRead(ec);
                             // Before any byte of the body is read (request smuggling).
                             auto refused = FramingError(self->parser_->get());
                             if (refused) return self->Refuse(std::move(*refused));
                             self->ContinueIfExpected();
                           });
}

// RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" waits for the interim response
// before the body (curl does for bodies over 1 KiB). A body over the limit was already refused
// by its Content-Length, before any 100 Continue.
template <class Stream>
void StreamConnection<Stream>::ContinueIfExpected() {
  const auto expect = parser_->get()[bhttp::field::expect];
  auto read_body = [self = Self()] {
    bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                      [self](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  };
  if (!EqualsIgnoreCaseAscii(expect, "100-continue") || parser_->is_done()) return read_body();
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = Self(), read_body](beast::error_code ec, std::size_t) {
                      if (ec) return self->Close();
                      read_body();
                    });
}

// Keep-alive: the next request may come within idle_timeout; once its first bytes arrive, the
// rest must come within read_timeout.
template <class Stream>
void StreamConnection<Stream>::WaitForRequest() {
  ExpiresAfter(core_.api.options.idle_timeout);
  constexpr std::size_t kChunk = 4096;
  stream_.async_read_some(buffer_.prepare(kChunk),
                          [self = Self()](beast::error_code ec, std::size_t n) {
                            if (ec) return self->Close();
                            self->buffer_.commit(n);
                            self->ExpiresAfter(self->core_.api.options.read_timeout);
                            self->ReadHeader();
                          });
}

template <class Stream>
void StreamConnection<Stream>::OnRead(beast::error_code ec) {
  if (ec) {
    auto answer = ReadErrorResponse(ec);
    if (!answer || state_ == State::kClosed) return Close();
    return Refuse(std::move(*answer));
  }
  state_ = State::kBusy;
  NoDeadline();
  BeastRequest in = parser_->release();
  const bool keep_alive = in.keep_alive();
  Request request = ToRequest(in, peer_, id_prefix_ + "-" + std::to_string(++served_));
  ClientOrigin origin = ResolveClient(core_.trusted_proxies, peer_, kTls, request);
  request.client_address = std::move(origin.address);
  request.secure = origin.secure;
  client_ = request.client_address;
  Dispatch(std::move(request), keep_alive);
}

// The answer to a request that is not read any further (a read error, a framing error): sent
// with Connection: close, since the rest of the stream cannot be trusted to start a request.
template <class Stream>
void StreamConnection<Stream>::Refuse(Response answer) {
  state_ = State::kBusy;
  NoDeadline();
  started_ = core_.api.deps.clock->MonotonicNanos();
  method_ = "-";
  client_ = peer_;  // no request was accepted: no forwarded header to believe
  request_id_ = id_prefix_ + "-" + std::to_string(++served_);
  answer.close = true;
  Send(std::move(answer), core_.metrics.OtherRoute(), false);
}

template <class Stream>
void StreamConnection<Stream>::Dispatch(Request request, bool keep_alive) {
  started_ = core_.api.deps.clock->MonotonicNanos();
  method_ = request.method;
  request_id_ = request.request_id;
  std::size_t route = 0;
  Outcome outcome = RouteRequest(core_, request, route);
  if (outcome.deferred()) return RunLater(std::move(outcome.job()), route, keep_alive);
  if (outcome.streaming()) {
    return StartStream(std::move(outcome.response()), std::move(outcome.stream()), route);
  }
  Send(std::move(outcome.response()), route, keep_alive);
}

template <class Stream>
void StreamConnection<Stream>::RunLater(Deferred job, std::size_t route, bool keep_alive) {
  // Keeps the io_context running (Run() waits) while the job is on the pool.
  auto work = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
  auto task = [self = Self(), job = std::move(job), route, keep_alive, work]() {
    Response response = RunDeferred(job, self->request_id_);
    asio::post(work, [self, r = std::move(response), route, keep_alive]() mutable {
      self->Send(std::move(r), route, keep_alive);
    });
  };
  if (!core_.pool.TrySubmit(std::move(task))) {
    Response busy = JsonError(503, "temporarily_unavailable", "server busy; retry");
    busy.With("Retry-After", "1");
    Send(std::move(busy), route, keep_alive);
  }
}

template <class Stream>
void StreamConnection<Stream>::Send(Response response, std::size_t route, bool keep_alive) {
  const bool close = response.close || !keep_alive || stopping_ || core_.stopping.load();
  const std::int64_t nanos = core_.api.deps.clock->MonotonicNanos() - started_;
  core_.metrics.RecordRequest(route, response.status, nanos);
  Log(response, route, nanos);
  out_ = SerializeResponse(std::move(response), request_id_, method_ == "HEAD", close);
  ExpiresAfter(core_.api.options.read_timeout);  // a client that never reads
  asio::async_write(
      stream_, asio::buffer(out_),
      [self = Self(), close](beast::error_code ec, std::size_t) { self->OnWrite(ec, close); });
}

template <class Stream>
void StreamConnection<Stream>::OnWrite(beast::error_code ec, bool close) {
  out_.clear();
  if (ec) return Close();
  if (close) return Finish();
  Read();
}

// A streamed response: the head now, then the source's chunks as they come, until the source ends
// the body or the client is gone (or too slow). The connection is not reused afterwards.
template <class Stream>
void StreamConnection<Stream>::StartStream(Response head, std::shared_ptr<StreamSource> source,
                                           std::size_t route) {
  const std::int64_t nanos = core_.api.deps.clock->MonotonicNanos() - started_;
  core_.metrics.RecordRequest(route, head.status, nanos);
  Log(head, route, nanos);
  core_.metrics.StreamOpened();
  state_ = State::kStreaming;
  // The kernel's send buffer counts toward a stream's memory too (autotuned, it may grow to
  // megabytes per socket): capped at the stream's own bound, so a follower that stops reading is
  // noticed within a bounded backlog, and a thousand streams cannot hold gigabytes.
  beast::error_code ignored;
  Lowest().set_option(asio::socket_base::send_buffer_size(
                          static_cast<int>(core_.api.options.max_stream_buffer_bytes)),
                      ignored);
  source_ = std::move(source);
  // The source's thread only posts: the connection's state stays on its own thread.
  std::weak_ptr<StreamConnection> weak = Self();
  channel_ = std::make_shared<StreamChannel>(core_.api.options.max_stream_buffer_bytes,
                                             [weak, executor = stream_.get_executor()] {
                                               asio::post(executor, [weak] {
                                                 if (auto self = weak.lock()) self->FlushStream();
                                               });
                                             });
  out_ = SerializeStreamHead(head, request_id_);
  writing_ = true;
  ExpiresAfter(core_.api.options.read_timeout);
  asio::async_write(stream_, asio::buffer(out_),
                    [self = Self()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->out_.clear();
                      self->NoDeadline();
                      // Closed meanwhile (the server stopping while the head was in flight):
                      // there is no source to start.
                      if (ec || self->state_ != State::kStreaming) return self->CloseStream(false);
                      self->WatchStreamClosed();
                      self->source_->Start(self->channel_);
                      if (self->stopping_ || self->core_.stopping.load()) self->channel_->End();
                      self->FlushStream();
                    });
}

// Nothing may follow a stream's request: a read that completes means the client closed (or sent
// what will not be served). Either way the stream ends; with no write pending this is how a
// closed client is noticed.
template <class Stream>
void StreamConnection<Stream>::WatchStreamClosed() {
  constexpr std::size_t kChunk = 512;
  stream_.async_read_some(buffer_.prepare(kChunk), [self = Self()](beast::error_code, std::size_t) {
    self->CloseStream(false);
  });
}

// Writes what the source queued, one write at a time, each within the write deadline
// (read_timeout, as for any response: a client that does not read is dropped).
template <class Stream>
void StreamConnection<Stream>::FlushStream() {
  if (state_ != State::kStreaming) return;
  if (writing_) {
    if (channel_->overflowed()) CloseStream(true);
    return;  // else the write's completion flushes again
  }
  const StreamChannel::Taken taken = channel_->Take(&out_);
  if (taken.overflowed) return CloseStream(true);
  if (out_.empty()) {
    if (taken.ended) CloseStream(false);
    return;
  }
  writing_ = true;
  ExpiresAfter(stopping_ ? kStreamEndTimeout : core_.api.options.read_timeout);
  asio::async_write(stream_, asio::buffer(out_),
                    [self = Self(), last = taken.ended](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      self->out_.clear();
                      self->NoDeadline();
                      // operation_aborted: the sweeper closed the socket past the deadline.
                      if (ec) return self->CloseStream(ec == asio::error::operation_aborted);
                      if (last) return self->CloseStream(false);
                      self->FlushStream();
                    });
}

// The server stops: the body ends with its last chunk at once (graceful shutdown does not wait
// on streams; a follower reconnects to another node with Last-Event-ID). A write in flight gets
// kStreamEndTimeout to finish before the last chunk follows it; a client stuck in it is closed.
template <class Stream>
void StreamConnection<Stream>::EndStream() {
  if (writing_) ExpiresAfter(kStreamEndTimeout);
  channel_->End();
}

template <class Stream>
void StreamConnection<Stream>::CloseStream(bool dropped) {
  if (state_ != State::kStreaming) return;
  channel_->Close();
  core_.metrics.StreamClosed();
  if (dropped) core_.metrics.RecordStreamDropped();
  std::shared_ptr<StreamSource> source = std::move(source_);
  Close();
  if (source != nullptr) source->Stopped();
}

// After the last response: over TLS, a close_notify first (RFC 8446 §6.1) so the client can
// tell the end from a truncation, waiting briefly for the client's own; then the socket closes.
template <class Stream>
void StreamConnection<Stream>::Finish() {
  if constexpr (kTls) {
    ExpiresAfter(kTlsShutdownTimeout);
    stream_.async_shutdown([self = Self()](beast::error_code) { self->Close(); });
  } else {
    Close();
  }
}

template <class Stream>
void StreamConnection<Stream>::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  NoDeadline();
  beast::error_code ec;
  Lowest().shutdown(tcp::socket::shutdown_send, ec);
  Lowest().close(ec);
}

template <class Stream>
void StreamConnection<Stream>::Log(const Response& response, std::size_t route,
                                   std::int64_t nanos) const {
  // Never a token, cookie, password or Authorization header: only these fields.
  core_.access_log.Write(request_id_, client_, method_, core_.metrics.RouteName(route),
                         response.status, nanos / 1000, response.body.size());
}

bool ConnectionRegistry::Add(std::uint64_t id, std::weak_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  live_.emplace(id, std::move(connection));
  return true;
}

void ConnectionRegistry::Remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  live_.erase(id);
}

std::vector<std::shared_ptr<Connection>> ConnectionRegistry::CloseAll() {
  std::lock_guard lock(mu_);
  closed_ = true;
  std::vector<std::shared_ptr<Connection>> out;
  for (auto& [id, weak] : live_) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

namespace {

template <class Stream>
void Launch(ServerCore& core, Socket socket, TlsContextPtr context, DeadlineSweeper& sweeper) {
  const std::uint64_t id = core.next_connection_id.fetch_add(1);
  auto connection = std::make_shared<StreamConnection<Stream>>(core, std::move(socket), id,
                                                               std::move(context), sweeper);
  if (!core.registry.Add(id, connection)) return;  // stopping: dropped, the socket closes
  connection->Start();
}

}  // namespace

void StartConnection(ServerCore& core, Socket socket, DeadlineSweeper& sweeper) {
  // Each connection takes the context current at accept time (a SIGHUP reload swaps it for
  // later connections only).
  if (core.tls) return Launch<TlsStream>(core, std::move(socket), core.tls->Current(), sweeper);
  Launch<PlainStream>(core, std::move(socket), nullptr, sweeper);
}

void ShutdownConnection(const std::shared_ptr<Connection>& connection) { connection->Shutdown(); }

}  // namespace jwtd::http
