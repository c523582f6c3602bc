#include "http/metrics.h"

#include <fmt/format.h>

namespace jwtd::http {
namespace {

constexpr int kMinStatus = 100;
constexpr int kStatusSlots = 500;  // 100..599
// Upper bounds in seconds; the request path is sub-millisecond, login (Argon2id) ~50-100 ms.
constexpr std::array<double, Metrics::kBuckets - 1> kBounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

constexpr std::array<std::string_view, 3> kLoginNames = {"ok", "failed", "limited"};
constexpr std::array<std::string_view, 5> kRevocationNames = {"logout", "logout_all", "session",
                                                              "token", "password"};

void Add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}
std::uint64_t Load(const std::atomic<std::uint64_t>& c) {
  return c.load(std::memory_order_relaxed);
}

}  // namespace

struct Metrics::RouteStats {
  std::array<std::atomic<std::uint64_t>, kStatusSlots> by_status{};
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets{};
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_nanos{0};
};

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)) {
  routes_.push_back("other");
  stats_ = std::make_unique<RouteStats[]>(routes_.size());
}

Metrics::~Metrics() = default;

std::size_t Metrics::RouteIndex(std::string_view route) const {
  for (std::size_t i = 0; i + 1 < routes_.size(); ++i) {
    if (routes_[i] == route) return i;
  }
  return routes_.size() - 1;
}

void Metrics::RecordRequest(std::size_t route, int status, std::int64_t latency_nanos) {
  if (route >= routes_.size()) route = routes_.size() - 1;
  RouteStats& s = stats_[route];
  if (status >= kMinStatus && status < kMinStatus + kStatusSlots) {
    Add(s.by_status[static_cast<std::size_t>(status - kMinStatus)]);
  }
  const double seconds = static_cast<double>(latency_nanos) / 1e9;
  std::size_t b = 0;
  while (b < kBounds.size() && seconds > kBounds[b]) ++b;
  Add(s.buckets[b]);  // non-cumulative here; Render accumulates
  Add(s.count);
  Add(s.sum_nanos, latency_nanos > 0 ? static_cast<std::uint64_t>(latency_nanos) : 0);
}

void Metrics::RecordLogin(LoginResult result) { Add(logins_[static_cast<std::size_t>(result)]); }
void Metrics::RecordRefresh(bool ok) { Add(refreshes_[ok ? 0 : 1]); }
void Metrics::RecordReuseDetected() { Add(reuse_); }
void Metrics::RecordRevocation(RevocationMetric kind) {
  Add(revocations_[static_cast<std::size_t>(kind)]);
}
void Metrics::RecordTokenRejected(Reason reason) {
  Add(rejections_[static_cast<std::size_t>(reason)]);
}

void Metrics::RecordConnectionRefused() { Add(refused_connections_); }
void Metrics::RecordStreamDropped() { Add(dropped_streams_); }

void Metrics::RenderConnections(std::string& out) const {
  fmt::format_to(std::back_inserter(out),
                 "# HELP jwtd_connections_open Client connections open now.\n"
                 "# TYPE jwtd_connections_open gauge\n"
                 "jwtd_connections_open {}\n"
                 "# HELP jwtd_connections_refused_total Connections closed at once because "
                 "server.max_connections were open.\n"
                 "# TYPE jwtd_connections_refused_total counter\n"
                 "jwtd_connections_refused_total {}\n"
                 "# HELP jwtd_streams_open Streamed responses (the revocation stream) open now.\n"
                 "# TYPE jwtd_streams_open gauge\n"
                 "jwtd_streams_open {}\n"
                 "# HELP jwtd_streams_dropped_total Streams ended because the client did not keep "
                 "up (buffer bound or write deadline).\n"
                 "# TYPE jwtd_streams_dropped_total counter\n"
                 "jwtd_streams_dropped_total {}\n",
                 OpenConnections(), Load(refused_connections_), Load(open_streams_),
                 Load(dropped_streams_));
}

void Metrics::RenderRequests(std::string& out) const {
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP jwtd_http_requests_total HTTP requests by route and status.\n"
                 "# TYPE jwtd_http_requests_total counter\n");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    for (int i = 0; i < kStatusSlots; ++i) {
      const auto n = Load(stats_[r].by_status[static_cast<std::size_t>(i)]);
      if (n == 0) continue;
      fmt::format_to(it, "jwtd_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", routes_[r],
                     i + kMinStatus, n);
    }
  }
  fmt::format_to(it,
                 "# HELP jwtd_http_request_duration_seconds Request latency by route.\n"
                 "# TYPE jwtd_http_request_duration_seconds histogram\n");
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    const RouteStats& s = stats_[r];
    const auto count = Load(s.count);
    if (count == 0) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      cumulative += Load(s.buckets[b]);
      const std::string le = b < kBounds.size() ? fmt::format("{}", kBounds[b]) : "+Inf";
      fmt::format_to(it, "jwtd_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                     routes_[r], le, cumulative);
    }
    fmt::format_to(it, "jwtd_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", routes_[r],
                   static_cast<double>(Load(s.sum_nanos)) / 1e9);
    fmt::format_to(it, "jwtd_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", routes_[r],
                   count);
  }
}

void Metrics::RenderDomain(std::string& out) const {
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP jwtd_logins_total Login attempts by result.\n"
                 "# TYPE jwtd_logins_total counter\n");
  for (std::size_t i = 0; i < kLoginNames.size(); ++i) {
    fmt::format_to(it, "jwtd_logins_total{{result=\"{}\"}} {}\n", kLoginNames[i], Load(logins_[i]));
  }
  fmt::format_to(it,
                 "# HELP jwtd_refreshes_total Refresh-token rotations by result.\n"
                 "# TYPE jwtd_refreshes_total counter\n"
                 "jwtd_refreshes_total{{result=\"ok\"}} {}\n"
                 "jwtd_refreshes_total{{result=\"failed\"}} {}\n",
                 Load(refreshes_[0]), Load(refreshes_[1]));
  fmt::format_to(it,
                 "# HELP jwtd_refresh_reuse_detected_total Rotated refresh tokens presented "
                 "again (RFC 9700 §4.14).\n"
                 "# TYPE jwtd_refresh_reuse_detected_total counter\n"
                 "jwtd_refresh_reuse_detected_total {}\n",
                 Load(reuse_));
  fmt::format_to(it,
                 "# HELP jwtd_revocations_total Revocations acknowledged, by kind.\n"
                 "# TYPE jwtd_revocations_total counter\n");
  for (std::size_t i = 0; i < kRevocationNames.size(); ++i) {
    fmt::format_to(it, "jwtd_revocations_total{{kind=\"{}\"}} {}\n", kRevocationNames[i],
                   Load(revocations_[i]));
  }
  fmt::format_to(it,
                 "# HELP jwtd_token_rejections_total Refused access tokens, by reason.\n"
                 "# TYPE jwtd_token_rejections_total counter\n");
  for (std::size_t i = 0; i < rejections_.size(); ++i) {
    const auto n = Load(rejections_[i]);
    if (n == 0) continue;
    fmt::format_to(it, "jwtd_token_rejections_total{{reason=\"{}\"}} {}\n",
                   ReasonName(static_cast<Reason>(i)), n);
  }
}

void Metrics::RenderGauges(const Gauges& g, std::string& out) const {
  auto it = std::back_inserter(out);
  if (g.have_view) {
    fmt::format_to(it,
                   "# HELP jwtd_revocation_view_entries Entries held by the revocation view.\n"
                   "# TYPE jwtd_revocation_view_entries gauge\n"
                   "jwtd_revocation_view_entries{{kind=\"jti\"}} {}\n"
                   "jwtd_revocation_view_entries{{kind=\"session\"}} {}\n"
                   "jwtd_revocation_view_entries{{kind=\"user_version\"}} {}\n"
                   "jwtd_revocation_view_entries{{kind=\"key\"}} {}\n"
                   "# TYPE jwtd_revocation_view_applied_seq gauge\n"
                   "jwtd_revocation_view_applied_seq {}\n"
                   "# TYPE jwtd_revocation_view_bytes gauge\n"
                   "jwtd_revocation_view_bytes {}\n",
                   g.denied_jtis, g.ended_sessions, g.user_versions, g.revoked_keys, g.applied_seq,
                   g.view_bytes);
  }
  fmt::format_to(it,
                 "# HELP jwtd_signing_keys Keys in the key ring (next, active, retiring).\n"
                 "# TYPE jwtd_signing_keys gauge\n"
                 "jwtd_signing_keys {}\n"
                 "# TYPE jwtd_worker_queue_depth gauge\n"
                 "jwtd_worker_queue_depth {}\n",
                 g.keys, g.worker_queue);
  if (g.ssf != nullptr) {
    const auto relaxed = std::memory_order_relaxed;
    fmt::format_to(
        it,
        "# HELP jwtd_ssf_events_queued Security events not yet acknowledged, over all streams.\n"
        "# TYPE jwtd_ssf_events_queued gauge\n"
        "jwtd_ssf_events_queued {}\n"
        "# HELP jwtd_ssf_delivered_total SETs acknowledged by receivers (poll ack, push 202).\n"
        "# TYPE jwtd_ssf_delivered_total counter\n"
        "jwtd_ssf_delivered_total {}\n"
        "# HELP jwtd_ssf_failed_total Push attempts that failed (retried with backoff).\n"
        "# TYPE jwtd_ssf_failed_total counter\n"
        "jwtd_ssf_failed_total {}\n"
        "# HELP jwtd_ssf_oldest_undelivered_seconds Age of the oldest unacknowledged event.\n"
        "# TYPE jwtd_ssf_oldest_undelivered_seconds gauge\n"
        "jwtd_ssf_oldest_undelivered_seconds {}\n",
        g.ssf->queued.load(relaxed), g.ssf->delivered.load(relaxed), g.ssf->failed.load(relaxed),
        g.ssf->oldest_undelivered.load(relaxed));
  }
}

void Metrics::RenderSync(const auth::Freshness& f, std::string& out) {
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP jwtd_revocation_view_lag_seconds Time since the view was last verified "
                 "current (heartbeat or store read); past the staleness bound it is not trusted.\n"
                 "# TYPE jwtd_revocation_view_lag_seconds gauge\n"
                 "jwtd_revocation_view_lag_seconds {}\n"
                 "# HELP jwtd_revocation_sync_state 1 for the view's current state.\n"
                 "# TYPE jwtd_revocation_sync_state gauge\n",
                 static_cast<double>(f.lag_ms) / 1000.0);
  for (auto s : {auth::SyncState::kInSync, auth::SyncState::kCatchingUp, auth::SyncState::kStale}) {
    fmt::format_to(it, "jwtd_revocation_sync_state{{state=\"{}\"}} {}\n", auth::SyncStateName(s),
                   f.state == s ? 1 : 0);
  }
  fmt::format_to(it,
                 "# TYPE jwtd_revocation_bus_connected gauge\n"
                 "jwtd_revocation_bus_connected {}\n"
                 "# TYPE jwtd_revocation_sync_applied_seq gauge\n"
                 "jwtd_revocation_sync_applied_seq {}\n"
                 "# TYPE jwtd_revocation_sync_known_max_seq gauge\n"
                 "jwtd_revocation_sync_known_max_seq {}\n"
                 "# HELP jwtd_revocation_bus_messages_total Bus messages received, by kind.\n"
                 "# TYPE jwtd_revocation_bus_messages_total counter\n"
                 "jwtd_revocation_bus_messages_total{{kind=\"entry\"}} {}\n"
                 "jwtd_revocation_bus_messages_total{{kind=\"heartbeat\"}} {}\n"
                 "# TYPE jwtd_revocation_bus_disconnects_total counter\n"
                 "jwtd_revocation_bus_disconnects_total {}\n"
                 "# HELP jwtd_revocation_gaps_total Missed seqs noticed (then caught up).\n"
                 "# TYPE jwtd_revocation_gaps_total counter\n"
                 "jwtd_revocation_gaps_total {}\n"
                 "# TYPE jwtd_revocation_catch_ups_total counter\n"
                 "jwtd_revocation_catch_ups_total{{result=\"ok\"}} {}\n"
                 "jwtd_revocation_catch_ups_total{{result=\"failed\"}} {}\n"
                 "# HELP jwtd_revocation_stale_requests_total Requests met with a stale view.\n"
                 "# TYPE jwtd_revocation_stale_requests_total counter\n"
                 "jwtd_revocation_stale_requests_total{{action=\"store_check\"}} {}\n"
                 "jwtd_revocation_stale_requests_total{{action=\"refused\"}} {}\n"
                 "# HELP jwtd_bus_rejected_total Bus messages dropped: no valid HMAC (forged).\n"
                 "# TYPE jwtd_bus_rejected_total counter\n"
                 "jwtd_bus_rejected_total {}\n",
                 f.connected ? 1 : 0, f.applied_seq, f.known_max_seq, f.entries_received,
                 f.heartbeats_received, f.disconnects, f.gaps, f.catch_ups, f.catch_up_failures,
                 f.stale_checks, f.stale_refusals, f.bus_rejected);
}

std::string Metrics::Render(const Gauges& gauges) const {
  std::string out;
  out.reserve(8192);
  RenderRequests(out);
  RenderDomain(out);
  RenderConnections(out);
  RenderGauges(gauges, out);
  if (gauges.sync) RenderSync(*gauges.sync, out);
  return out;
}

}  // namespace jwtd::http
