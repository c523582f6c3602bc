#include "http/connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "http/error_mapping.h"
#include "jwtd/random.h"

namespace jwtd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxRequestId = 64;

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestId) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Beast's read errors that are the client's fault, answered before closing (RFC 9110 §15.5).
std::optional<Response> ReadErrorResponse(const beast::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    return JsonError(413, "request_too_large", "request body too large");
  }
  if (ec == bhttp::error::header_limit) {
    return JsonError(431, "headers_too_large", "request header fields too large");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return JsonError(400, "invalid_request", "malformed HTTP request");
  }
  return std::nullopt;
}

}  // namespace

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& core, tcp::socket socket, std::uint64_t id)
      : core_(core), stream_(std::move(socket)), id_(id), id_prefix_(RandomToken(6)) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string();
  }
  ~Connection() { core_.registry.Remove(id_); }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  void Shutdown() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (self->state_ == State::kReading) self->Close();
    });
  }

 private:
  enum class State { kReading, kBusy, kClosed };
  using BeastRequest = bhttp::request<bhttp::string_body>;
  using BeastResponse = bhttp::response<bhttp::string_body>;

  void Read();
  void WaitForRequest();
  void ReadHeader();
  void ContinueIfExpected();
  void OnRead(beast::error_code ec);
  void Dispatch(Request request, bool keep_alive);
  void RunLater(Deferred job, std::size_t route, bool keep_alive);
  void Send(Response response, std::size_t route, bool keep_alive);
  void OnWrite(beast::error_code ec, bool close);
  void Close();
  Request ToRequest(BeastRequest& in);
  void Log(const Response& response, std::size_t route, std::int64_t nanos) const;

  ServerCore& core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<BeastResponse> out_;  // the response being written
  const std::uint64_t id_;
  const std::string id_prefix_;  // request ids: <prefix>-<n>
  std::uint64_t served_ = 0;
  std::string peer_;
  // Per exchange (one at a time on this connection).
  std::string method_, request_id_;
  std::int64_t started_ = 0;
  State state_ = State::kReading;
  bool stopping_ = false;
};

void Connection::Read() {
  if (stopping_ || core_.stopping.load()) return Close();
  state_ = State::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(core_.api.options.max_header_bytes));
  parser_->body_limit(core_.api.options.max_body_bytes);
  if (served_ > 0 && buffer_.size() == 0) return WaitForRequest();
  // The whole request within read_timeout: a slow or half-open client cannot hold us.
  stream_.expires_after(core_.api.options.read_timeout);
  ReadHeader();
}

void Connection::ReadHeader() {
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->OnRead(ec);
                             self->ContinueIfExpected();
                           });
}

// RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" waits for the interim response
// before the body (curl does for bodies over 1 KiB). A body over the limit was already refused
// by its Content-Length, before any 100 Continue.
void Connection::ContinueIfExpected() {
  const auto expect = parser_->get()[bhttp::field::expect];
  auto read_body = [self = shared_from_this()] {
    bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                      [self](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  };
  if (!EqualsIgnoreCase(expect, "100-continue") || parser_->is_done()) return read_body();
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this(), read_body](beast::error_code ec, std::size_t) {
                      if (ec) return self->Close();
                      read_body();
                    });
}

// Keep-alive: the next request may come within idle_timeout; once its first bytes arrive, the
// rest must come within read_timeout.
void Connection::WaitForRequest() {
  stream_.expires_after(core_.api.options.idle_timeout);
  constexpr std::size_t kChunk = 4096;
  stream_.async_read_some(buffer_.prepare(kChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec) return self->Close();
                            self->buffer_.commit(n);
                            self->stream_.expires_after(self->core_.api.options.read_timeout);
                            self->ReadHeader();
                          });
}

void Connection::OnRead(beast::error_code ec) {
  if (ec) {
    auto answer = ReadErrorResponse(ec);
    if (!answer || state_ == State::kClosed) return Close();
    started_ = core_.api.deps.clock->MonotonicNanos();
    method_ = "-";
    request_id_ = id_prefix_ + "-" + std::to_string(++served_);
    answer->close = true;
    return Send(std::move(*answer), core_.metrics.RouteIndex("other"), false);
  }
  state_ = State::kBusy;
  BeastRequest in = parser_->release();
  const bool keep_alive = in.keep_alive();
  Dispatch(ToRequest(in), keep_alive);
}

Request Connection::ToRequest(BeastRequest& in) {
  Request r;
  r.method = std::string(in.method_string());
  const std::string_view target = in.target();
  const auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  r.headers.reserve(std::distance(in.begin(), in.end()));
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.push_back({std::move(name), std::string(field.value())});
  }
  r.body = std::move(in.body());
  r.client_address = peer_;
  const auto given = r.Header("x-request-id");
  ++served_;
  r.request_id = given && SaneRequestId(*given) ? std::string(*given)
                                                : id_prefix_ + "-" + std::to_string(served_);
  return r;
}

void Connection::Dispatch(Request request, bool keep_alive) {
  started_ = core_.api.deps.clock->MonotonicNanos();
  method_ = request.method;
  request_id_ = request.request_id;
  std::size_t route = core_.metrics.RouteIndex("other");
  try {
    if (request.path.empty() || request.path.front() != '/') {
      return Send(JsonError(400, "invalid_request", "request target must be an absolute path"),
                  route, keep_alive);
    }
    Match match = core_.router.Find(request.method, request.path);
    if (match.route != nullptr) route = core_.metrics.RouteIndex(match.route->pattern);
    request.path_params = std::move(match.params);
    Outcome outcome = match.route != nullptr ? match.route->handler(request)
                                             : HandleUnrouted(core_.api, request, match);
    if (outcome.deferred()) return RunLater(std::move(outcome.job()), route, keep_alive);
    return Send(std::move(outcome.response()), route, keep_alive);
  } catch (const std::exception& e) {
    // The top of the request: no exception may escape into the I/O loop (style.md).
    spdlog::error("request id={} handler failed: {}", request_id_, e.what());
    return Send(JsonError(500, "server_error", "internal error"), route, keep_alive);
  }
}

void Connection::RunLater(Deferred job, std::size_t route, bool keep_alive) {
  // Keeps the io_context running (Run() waits) while the job is on the pool.
  auto work = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
  auto task = [self = shared_from_this(), job = std::move(job), route, keep_alive, work]() {
    std::optional<Response> response;
    try {
      response = job();
    } catch (const std::exception& e) {
      spdlog::error("request id={} job failed: {}", self->request_id_, e.what());
      response = JsonError(500, "server_error", "internal error");
    }
    asio::post(work, [self, r = std::move(*response), route, keep_alive]() mutable {
      self->Send(std::move(r), route, keep_alive);
    });
  };
  if (!core_.pool.TrySubmit(std::move(task))) {
    Response busy = JsonError(503, "temporarily_unavailable", "server busy; retry");
    busy.With("Retry-After", "1");
    Send(std::move(busy), route, keep_alive);
  }
}

void Connection::Send(Response response, std::size_t route, bool keep_alive) {
  const bool close = response.close || !keep_alive || stopping_ || core_.stopping.load();
  auto out = std::make_shared<BeastResponse>();
  out->result(static_cast<unsigned>(response.status));
  out->version(11);
  if (!response.content_type.empty()) out->set(bhttp::field::content_type, response.content_type);
  out->set("X-Content-Type-Options", "nosniff");
  out->set("X-Request-Id", request_id_);
  for (auto& h : response.headers) out->insert(h.name, h.value);
  const std::size_t length = response.body.size();
  if (method_ != "HEAD") out->body() = std::move(response.body);
  out->keep_alive(!close);
  out->content_length(length);
  const std::int64_t nanos = core_.api.deps.clock->MonotonicNanos() - started_;
  core_.metrics.RecordRequest(route, response.status, nanos);
  Log(response, route, nanos);
  out_ = out;
  stream_.expires_after(core_.api.options.read_timeout);  // a client that never reads
  bhttp::async_write(stream_, *out_,
                     [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
                       self->OnWrite(ec, close);
                     });
}

void Connection::OnWrite(beast::error_code ec, bool close) {
  out_.reset();
  if (ec || close) return Close();
  Read();
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

void Connection::Log(const Response& response, std::size_t route, std::int64_t nanos) const {
  // Never a token, cookie, password or Authorization header: only these fields.
  core_.access_log->info("request id={} client={} method={} route={} status={} latency_us={}",
                         request_id_, peer_, method_, core_.metrics.RouteName(route),
                         response.status, nanos / 1000);
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

void StartConnection(ServerCore& core, tcp::socket socket) {
  const std::uint64_t id = core.next_connection_id.fetch_add(1);
  auto connection = std::make_shared<Connection>(core, std::move(socket), id);
  if (!core.registry.Add(id, connection)) return;  // stopping: dropped, the socket closes
  connection->Start();
}

void ShutdownConnection(const std::shared_ptr<Connection>& connection) { connection->Shutdown(); }

}  // namespace jwtd::http
