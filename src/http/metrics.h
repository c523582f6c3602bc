// jwtd::http::Metrics — Prometheus counters, gauges and histograms of the HTTP layer, rendered
// in the text exposition format (version 0.0.4) for GET /metrics.
//
// Thread-safety: every Record* is lock-free (relaxed atomics on fixed arrays sized at
// construction: labels are a closed set, so nothing grows on the request path); Render may run
// concurrently with them and reads a momentary, not atomic, snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/ssf_stats.h"
#include "jwtd/error.h"

namespace jwtd::http {

enum class LoginResult : std::uint8_t { kOk, kFailed, kLimited };
enum class RevocationMetric : std::uint8_t { kLogout, kLogoutAll, kSession, kToken, kPassword };

// Values read at scrape time from the revocation view and the key ring.
struct Gauges {
  bool have_view = false;
  std::size_t denied_jtis = 0, ended_sessions = 0, user_versions = 0, revoked_keys = 0;
  std::int64_t applied_seq = 0;
  std::size_t view_bytes = 0;
  std::size_t keys = 0;
  std::size_t worker_queue = 0;
  std::optional<auth::Freshness> sync;  // the view's freshness and sync counters
  const auth::SsfStats* ssf = nullptr;  // the Shared Signals transmitter, when it runs
};

class Metrics {
 public:
  static constexpr std::size_t kBuckets = 14;  // latency buckets, the last is +Inf
  // `routes` are the route labels; one more label, "other", counts unmatched requests.
  explicit Metrics(std::vector<std::string> routes);
  ~Metrics();

  // The index of a route label, or the index of "other".
  std::size_t RouteIndex(std::string_view route) const;
  // The index of "other".
  std::size_t OtherRoute() const { return routes_.size() - 1; }
  std::string_view RouteName(std::size_t index) const {
    return index < routes_.size() ? routes_[index] : routes_.back();
  }
  void RecordRequest(std::size_t route, int status, std::int64_t latency_nanos);
  void RecordLogin(LoginResult result);
  void RecordRefresh(bool ok);
  void RecordReuseDetected();
  void RecordRevocation(RevocationMetric kind);
  void RecordTokenRejected(Reason reason);
  // Connections: each one counts itself open for its lifetime; the accept loop counts the
  // sockets it closes at once because server.max_connections are open.
  void ConnectionOpened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  std::uint64_t OpenConnections() const {
    return open_connections_.load(std::memory_order_relaxed);
  }
  void RecordConnectionRefused();
  // Streamed responses (SSE): open now, and those the server ended because the client did not
  // keep up (its buffer passed server.max_stream_buffer_bytes or a write missed its deadline).
  void StreamOpened() { open_streams_.fetch_add(1, std::memory_order_relaxed); }
  void StreamClosed() { open_streams_.fetch_sub(1, std::memory_order_relaxed); }
  void RecordStreamDropped();

  std::string Render(const Gauges& gauges) const;

 private:
  struct RouteStats;
  void RenderRequests(std::string& out) const;
  void RenderDomain(std::string& out) const;
  void RenderConnections(std::string& out) const;
  void RenderGauges(const Gauges& g, std::string& out) const;
  static void RenderSync(const auth::Freshness& f, std::string& out);
  std::vector<std::string> routes_;
  std::unique_ptr<RouteStats[]> stats_;
  std::array<std::atomic<std::uint64_t>, 3> logins_{};
  std::array<std::atomic<std::uint64_t>, 2> refreshes_{};
  std::atomic<std::uint64_t> reuse_{0};
  std::array<std::atomic<std::uint64_t>, 5> revocations_{};
  std::array<std::atomic<std::uint64_t>, 256> rejections_{};
  std::atomic<std::uint64_t> open_connections_{0};
  std::atomic<std::uint64_t> refused_connections_{0};
  std::atomic<std::uint64_t> open_streams_{0};
  std::atomic<std::uint64_t> dropped_streams_{0};
};

}  // namespace jwtd::http
