// One HTTP/1.1 connection (Beast), over TCP or over TLS: reads requests with a header limit, a body
// limit and a timeout on every read, routes them, runs blocking handlers on the worker pool and
// writes the responses, keep-alive, in order. All of its state is touched only on its io_context's
// one thread.
//
// Internal to jwtd_http (includes Beast); the server creates connections through StartConnection.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "http/access_log.h"
#include "http/address_filter.h"
#include "http/deadline_sweeper.h"
#include "http/handlers/api.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/tls_context.h"
#include "http/worker_pool.h"

namespace jwtd::http {

// One connection, plain or TLS (connection.cc); the registry only needs to close it, the
// sweeper to enforce its deadlines.
class Connection : public Watched {
 public:
  ~Connection() override = default;
  // See ShutdownConnection.
  virtual void Shutdown() = 0;
};

// The live connections, so Stop() can close the idle ones. Thread-safe.
class ConnectionRegistry {
 public:
  // False once CloseAll has run: the caller must drop the connection.
  bool Add(std::uint64_t id, std::weak_ptr<Connection> connection);
  void Remove(std::uint64_t id);
  // Refuses new connections and returns the live ones.
  std::vector<std::shared_ptr<Connection>> CloseAll();

 private:
  std::mutex mu_;
  bool closed_ = false;                                                // guarded by mu_
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> live_;  // guarded by mu_
};

// What every connection shares; owned by the server and outliving every connection.
struct ServerCore {
  ServerCore(ServerOptions options, ServerDeps deps, AddressFilter metrics_allow,
             AddressFilter trusted_proxies, std::unique_ptr<TlsContextHolder> tls);

  Api api;
  Router router;
  Metrics metrics;
  // The metrics index of each route of the router, by position (RouteIndex once, not per request).
  const std::vector<std::size_t> route_metrics;
  WorkerPool pool;
  ConnectionRegistry registry;
  const AddressFilter trusted_proxies;          // server.trusted_proxies (forwarded.h)
  const std::unique_ptr<TlsContextHolder> tls;  // null: plain HTTP
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_connection_id{1};
  // The access log: on the logger named "access" when the application registered one (so its
  // level and sink can be set apart), else on the default logger.
  const AccessLog access_log;
};

// A socket bound to its io_context's executor type, not the type-erased any_io_executor: every
// asynchronous operation copies the executor, and the erased copies showed in the profile.
using Socket =
    boost::asio::ip::tcp::socket::rebind_executor<boost::asio::io_context::executor_type>::other;

// Takes over `socket` (whose executor is an io_context run by one thread) and starts reading; with
// core.tls, after a TLS handshake that must finish within read_timeout. `sweeper` is that
// io_context's: it enforces the connection's timeouts.
void StartConnection(ServerCore& core, Socket socket, DeadlineSweeper& sweeper);
// Closes the connection if it waits for a request; else lets the current exchange finish
// and closes afterwards. Dispatches to the connection's io_context.
void ShutdownConnection(const std::shared_ptr<Connection>& connection);

}  // namespace jwtd::http
