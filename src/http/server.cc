// The listener and the Server implementation: binds, accepts on the I/O threads (each socket on
// its own strand), and stops gracefully.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <thread>

#include "http/connection.h"

namespace jwtd::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

unsigned OrCores(unsigned n) {
  if (n != 0) return n;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

Router BuildRouter(const Api& api) {
  Router router;
  RegisterRoutes(api, router);
  return router;
}

std::vector<std::string> RouteNames(const Router& router) {
  std::vector<std::string> names;
  for (const auto& r : router.routes()) names.push_back(r.pattern);
  return names;
}

Result<void> Validate(const ServerOptions& o, const ServerDeps& d) {
  if (d.tokens == nullptr || d.keys == nullptr || d.store == nullptr || d.clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "http server: missing dependency");
  }
  if (o.max_body_bytes == 0 || o.max_header_bytes < 256 || o.max_queued_jobs == 0 ||
      o.read_timeout.count() <= 0 || o.idle_timeout.count() <= 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "http server: bad limits");
  }
  for (const auto& c : o.introspection_clients) {
    if (c.id.empty() || c.secret.empty()) {
      return Error(Code::kInvalidArgument, Reason::kBadRequest,
                   "http server: introspection client without id or secret");
    }
  }
  return Ok();
}

class ServerImpl final : public Server {
 public:
  ServerImpl(ServerOptions options, ServerDeps deps, AddressFilter allow)
      : io_threads_(OrCores(options.io_threads)),
        core_(std::move(options), deps, std::move(allow)),
        ioc_(static_cast<int>(io_threads_)),
        acceptor_(asio::make_strand(ioc_)) {}

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

  void Run() override {
    std::vector<std::thread> extra;
    for (unsigned i = 1; i < io_threads_; ++i) extra.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : extra) t.join();
  }

  void Stop() override {
    asio::post(acceptor_.get_executor(), [this] { DoStop(); });
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                             if (ec == asio::error::operation_aborted || !acceptor_.is_open())
                               return;
                             if (!ec) StartConnection(core_, std::move(socket));
                             // Errors such as EMFILE are transient: keep accepting.
                             if (ec) spdlog::warn("accept failed: {}", ec.message());
                             Accept();
                           });
  }

  // On the acceptor's strand: stop accepting, close idle connections; in-flight requests
  // finish (their responses say Connection: close) and Run() returns when the last one does.
  void DoStop() {
    if (core_.stopping.exchange(true)) return;
    boost::system::error_code ec;
    acceptor_.close(ec);
    for (auto& connection : core_.registry.CloseAll()) ShutdownConnection(connection);
    spdlog::info("http server stopping");
  }

  const unsigned io_threads_;
  // Destroyed after ioc_: handlers still queued there own connections that reach into core_.
  // The pool is joined first (destructor body), so no job posts into a dying io_context.
  ServerCore core_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace

ServerCore::ServerCore(ServerOptions options, ServerDeps deps, AddressFilter metrics_allow)
    : api{std::move(options), deps, nullptr, std::move(metrics_allow), {}},
      router(BuildRouter(api)),
      metrics(RouteNames(router)),
      pool(OrCores(api.options.worker_threads), api.options.max_queued_jobs) {
  api.metrics = &metrics;
  access_log = spdlog::get("access");
  if (!access_log) access_log = spdlog::default_logger();
  api.queue_depth = [this] { return pool.queued(); };
}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options, ServerDeps deps) {
  JWTD_RETURN_IF_ERROR(Validate(options, deps));
  auto allow = AddressFilter::Create(options.metrics_allow);
  if (!allow.ok()) return allow.error();
  auto server = std::make_unique<ServerImpl>(std::move(options), deps, std::move(*allow));
  JWTD_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace jwtd::http
