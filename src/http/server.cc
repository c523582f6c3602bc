// The listener and the Server implementation: binds, accepts, hands each socket to one of the
// I/O threads, and stops gracefully.
//
// One io_context per I/O thread, sockets assigned round-robin, rather than one io_context run
// by all threads: a connection's handlers then never hop threads, and the threads share no
// scheduler queue (whose lock and cross-thread wake-ups cost more than a GET /v1/me itself).
// A socket uses its io_context's executor directly, not a strand: one thread runs each
// io_context, so its handlers are already serialised, and a strand's locking and reference
// counting on every operation measured a few percent of a GET /v1/me.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "http/accept_backoff.h"
#include "http/connection.h"
#include "http/connection_limit.h"
#include "http/csrf.h"
#include "http/scope_list.h"

namespace jwtd::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// At most one log line per interval about failing or refused accepts.
constexpr std::chrono::seconds kReportInterval{10};

unsigned OrCores(unsigned n) {
  if (n != 0) return n;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

// One I/O thread per two cores. A request on an I/O thread costs microseconds (parse, cached
// verify, view probe), so they are seldom what limits a node; what runs beside them — the worker
// pool, the database, a proxy, a load generator — needs cores too, and I/O threads that take
// turns with it on the same cores lose to the switching: on 2 cores with wrk beside it,
// GET /v1/me reached ~70 % of the machine's floor with two I/O threads and ~100 % with one
// (docs/benchmarks.md "Default configuration").
unsigned IoThreadsOrDefault(unsigned n) { return n != 0 ? n : std::max(1U, OrCores(0) / 2); }

// Workers mostly wait: on the store's fsync (SQLite group commit batches the writers that wait
// together, so more waiting writers means fewer fsyncs per request) or on PostgreSQL. Sixteen
// per core keeps refresh throughput fsync-bound rather than thread-bound; password hashing
// has its own per-core bound (PasswordOptions::max_parallel), so a login flood still runs only
// that many Argon2id hashes (each password.mem_limit of memory) at once.
unsigned WorkersOrDefault(unsigned n) { return n != 0 ? n : 16 * OrCores(0); }

Router BuildRouter(const Api& api) {
  Router router;
  RegisterRoutes(api, router);
  return router;
}

// One metrics label per pattern: a path routed for several methods (/v1/authz) is one series.
std::vector<std::string> RouteNames(const Router& router) {
  std::vector<std::string> names;
  for (const auto& r : router.routes()) {
    if (std::find(names.begin(), names.end(), r.pattern) == names.end()) {
      names.push_back(r.pattern);
    }
  }
  return names;
}

std::vector<std::size_t> RouteMetrics(const Router& router, const Metrics& metrics) {
  std::vector<std::size_t> index;
  for (const auto& r : router.routes()) index.push_back(metrics.RouteIndex(r.pattern));
  return index;
}

Result<void> Validate(const ServerOptions& o, const ServerDeps& d) {
  if (d.tokens == nullptr || d.keys == nullptr || d.store == nullptr || d.clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "http server: missing dependency");
  }
  if (o.max_body_bytes == 0 || o.max_header_bytes < 256 || o.max_queued_jobs == 0 ||
      o.max_connections == 0 || o.max_stream_buffer_bytes < 4096 || o.read_timeout.count() <= 0 ||
      o.idle_timeout.count() <= 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "http server: bad limits");
  }
  if (o.csrf_key.size() != kCsrfKeyBytes) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "http server: csrf_key must be 32 bytes");
  }
  if (!o.authz_scope.empty() && !WellFormedScopeList(o.authz_scope)) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "http server: authz_scope must be space-separated scope tokens");
  }
  for (const auto& c : o.introspection_clients) {
    if (c.id.empty() || c.secret.empty()) {
      return Error(Code::kInvalidArgument, Reason::kBadRequest,
                   "http server: introspection client without id or secret");
    }
  }
  return Ok();
}

Error Prefixed(std::string_view option, const Error& e) {
  return Error(e.code(), e.reason(), std::string(option) + ": " + e.message());
}

// Both files: TLS; neither: plain HTTP; one alone is a mistake, not a silent plain listener.
Result<std::unique_ptr<TlsContextHolder>> OpenTls(const ServerOptions& o) {
  if (o.tls_cert_file.empty() && o.tls_key_file.empty()) {
    return std::unique_ptr<TlsContextHolder>();
  }
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "tls.cert_file and tls.key_file must be set together");
  }
  auto context = MakeTlsContext(o.tls_cert_file, o.tls_key_file);
  if (!context.ok()) return context.error();
  return std::make_unique<TlsContextHolder>(o.tls_cert_file, o.tls_key_file, std::move(*context));
}

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, ServerDeps deps, AddressFilter allow, AddressFilter proxies,
             std::unique_ptr<TlsContextHolder> tls)
      : core_(std::move(options), deps, std::move(allow), std::move(proxies), std::move(tls)),
        contexts_(MakeContexts(IoThreadsOrDefault(core_.api.options.io_threads))),
        acceptor_(asio::make_strand(*contexts_.front())),
        retry_timer_(acceptor_.get_executor()),
        max_connections_(MaxConnectionsForThisProcess(core_.api.options.max_connections)) {
    // Keeps every context's run() going while it has no connection yet; released by DoStop.
    for (auto& ioc : contexts_) keep_running_.emplace_back(ioc->get_executor());
    const auto tick = SweepTick(core_.api.options);
    for (auto& ioc : contexts_) {
      sweepers_.push_back(std::make_unique<DeadlineSweeper>(*ioc, tick));
      sweepers_.back()->Start();
    }
  }

  ~ServerImpl() override { core_.pool.Shutdown(); }

  Result<void> Listen() {
    const auto& o = core_.api.options;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(o.address, ec);
    if (ec) {
      return Error(Code::kInvalidArgument, Reason::kBadRequest, "http server: bad address");
    }
    const tcp::endpoint endpoint(address, o.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(Code::kUnavailable, Reason::kNone,
                   "http server: cannot listen on " + o.address + ":" + std::to_string(o.port) +
                       ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    Accept();
    return Ok();
  }

  std::uint16_t port() const override { return port_; }

  bool tls() const override { return core_.tls != nullptr; }

  Result<void> ReloadTls() override {
    if (!core_.tls) {
      return Error(Code::kInvalidArgument, Reason::kBadRequest, "tls is not configured");
    }
    return core_.tls->Reload();
  }

  void Run() override {
    std::vector<std::thread> extra;
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
      extra.emplace_back([this, i] { contexts_[i]->run(); });
    }
    contexts_.front()->run();
    for (auto& t : extra) t.join();
  }

  void Stop() override {
    asio::post(acceptor_.get_executor(), [this] { DoStop(); });
  }

 private:
  // A timeout takes effect up to one tick late: a quarter of the shortest, within [10 ms, 1 s].
  static std::chrono::milliseconds SweepTick(const ServerOptions& o) {
    using std::chrono::milliseconds;
    const auto shortest = std::chrono::duration_cast<milliseconds>(
        std::min<std::chrono::steady_clock::duration>(o.read_timeout, o.idle_timeout));
    return std::clamp(shortest / 4, milliseconds(10), milliseconds(1000));
  }

  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(unsigned n) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (unsigned i = 0; i < n; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
    return contexts;
  }

  // The accept loop, on the acceptor's strand.
  void Accept() {
    const std::size_t i = next_context_++ % contexts_.size();
    acceptor_.async_accept(contexts_[i]->get_executor(),
                           [this, i](boost::system::error_code ec, Socket socket) {
                             if (ec == asio::error::operation_aborted || !acceptor_.is_open())
                               return;
                             if (ec) return AcceptFailed(ec);
                             backoff_.Succeeded();
                             Admit(std::move(socket), i);
                             Accept();
                           });
  }

  // Out of descriptors or memory, an immediate retry fails again at once (accept_backoff.h):
  // wait, and say so once per interval. Other errors (a connection reset while queued) concern
  // one connection only.
  void AcceptFailed(const boost::system::error_code& ec) {
    if (!IsResourceError(ec)) {
      spdlog::warn("accept failed: {}", ec.message());
      return Accept();
    }
    const std::chrono::milliseconds wait = backoff_.Failed();
    if (const auto n = accept_failures_.Count(std::chrono::steady_clock::now())) {
      spdlog::warn(
          "accept failed {} time(s) since the last report: {}; retrying with backoff "
          "(now {} ms); connections open: {}",
          n, ec.message(), wait.count(), core_.metrics.OpenConnections());
    }
    retry_timer_.expires_after(wait);
    retry_timer_.async_wait([this](boost::system::error_code e) {
      if (e || !acceptor_.is_open()) return;
      Accept();
    });
  }

  // Past max_connections the new socket is closed at once: the client sees its connection end
  // instead of every connection (and the store's files) starving for descriptors.
  void Admit(Socket socket, std::size_t i) {
    if (core_.metrics.OpenConnections() >= max_connections_) {
      core_.metrics.RecordConnectionRefused();
      if (const auto n = refusals_.Count(std::chrono::steady_clock::now())) {
        spdlog::warn(
            "server.max_connections ({}) open: {} connection(s) refused since the last "
            "report",
            max_connections_, n);
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    StartConnection(core_, std::move(socket), *sweepers_[i]);
  }

  // On the acceptor's strand: stop accepting, close idle connections; in-flight requests
  // finish (their responses say Connection: close) and Run() returns when the last one does.
  void DoStop() {
    if (core_.stopping.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    retry_timer_.cancel();
    for (auto& connection : core_.registry.CloseAll()) ShutdownConnection(connection);
    // No connection comes any more: each context returns once its own connections are done.
    for (auto& guard : keep_running_) guard.reset();
    for (auto& sweeper : sweepers_) sweeper->Stop();
    spdlog::info("http server stopping");
  }

  // Destroyed after contexts_: handlers still queued there own connections that reach into
  // core_. The pool is joined first (destructor body), so no job posts into a dying context.
  ServerCore core_;
  const std::vector<std::unique_ptr<asio::io_context>> contexts_;  // one per I/O thread
  // executor_work_guard is not thread-safe: created in the constructor, reset on the acceptor's
  // strand (DoStop) before Run() returns.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
  // One per context, same index; destroyed before contexts_ (their timers belong to them).
  std::vector<std::unique_ptr<DeadlineSweeper>> sweepers_;
  tcp::acceptor acceptor_;
  // On the acceptor's strand.
  asio::steady_timer retry_timer_;  // the next accept after a resource error
  AcceptBackoff backoff_;
  LogThrottle accept_failures_{kReportInterval};
  LogThrottle refusals_{kReportInterval};
  const std::size_t max_connections_;  // options.max_connections, capped (connection_limit.h)
  std::size_t next_context_ = 0;
  std::uint16_t port_ = 0;
};

// feed_allow, admin_allow: empty means any address.
Result<AddressFilter> FeedAllowFilter(const std::vector<std::string>& cidrs) {
  if (cidrs.empty()) return AddressFilter::Create({"0.0.0.0/0", "::/0"});
  return AddressFilter::Create(cidrs);
}

}  // namespace

ServerCore::ServerCore(ServerOptions options, ServerDeps deps, AddressFilter metrics_allow,
                       AddressFilter proxies, std::unique_ptr<TlsContextHolder> tls_holder)
    : api{std::move(options), deps, nullptr, std::move(metrics_allow), {}},
      router(BuildRouter(api)),
      metrics(RouteNames(router)),
      route_metrics(RouteMetrics(router, metrics)),
      pool(WorkersOrDefault(api.options.worker_threads), api.options.max_queued_jobs),
      trusted_proxies(std::move(proxies)),
      tls(std::move(tls_holder)),
      access_log(spdlog::get("access") ? spdlog::get("access") : spdlog::default_logger()) {
  api.metrics = &metrics;
  api.queue_depth = [this] { return pool.queued(); };
  auto feed_allow = FeedAllowFilter(api.options.feed_allow);  // validated by Server::Create
  if (feed_allow.ok()) api.feed_allow = std::move(*feed_allow);
  auto admin_allow = FeedAllowFilter(api.options.admin_allow);
  if (admin_allow.ok()) api.admin_allow = std::move(*admin_allow);
  if (api.options.dpop.mode != auth::DpopMode::kOff) {
    auto guard = auth::DpopGuard::Create(api.options.dpop, api.deps.clock);  // checked by Create
    if (guard.ok()) api.dpop = std::move(*guard);
  }
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, ServerDeps deps) {
  JWTD_RETURN_IF_ERROR(Validate(options, deps));
  auto allow = AddressFilter::Create(options.metrics_allow);
  if (!allow.ok()) return Prefixed("metrics_allow", allow.error());
  auto proxies = AddressFilter::Create(options.trusted_proxies);
  if (!proxies.ok()) return Prefixed("trusted_proxies", proxies.error());
  if (auto feed = FeedAllowFilter(options.feed_allow); !feed.ok()) {
    return Prefixed("feed_allow", feed.error());
  }
  if (auto admin = FeedAllowFilter(options.admin_allow); !admin.ok()) {
    return Prefixed("admin_allow", admin.error());
  }
  if (options.dpop.mode != auth::DpopMode::kOff) {
    if (options.dpop.nonce_key.empty())
      options.dpop.nonce_key = DeriveDpopNonceKey(options.csrf_key);
    if (auto guard = auth::DpopGuard::Create(options.dpop, deps.clock); !guard.ok()) {
      return guard.error();  // its message names dpop
    }
  }
  auto tls = OpenTls(options);
  if (!tls.ok()) return tls.error();
  auto server = std::make_unique<ServerImpl>(std::move(options), deps, std::move(*allow),
                                             std::move(*proxies), std::move(*tls));
  JWTD_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace jwtd::http
