// GET /metrics — Prometheus text exposition, only for clients in options.metrics_allow.
#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleMetrics(const Api& api, const Request& request) {
  if (!api.metrics_allow.Allows(request.client_address)) {
    return JsonError(403, "forbidden", "metrics are not available to this address");
  }
  Gauges g;
  if (api.deps.view != nullptr) {
    const auth::RevocationViewStats s = api.deps.view->Stats();
    g.have_view = true;
    g.denied_jtis = s.denied_jtis;
    g.ended_sessions = s.ended_sessions;
    g.user_versions = s.user_versions;
    g.revoked_keys = s.revoked_keys;
    g.applied_seq = s.applied_seq;
    g.view_bytes = s.approx_bytes;
  }
  if (api.deps.sync != nullptr) g.sync = api.deps.sync->freshness();
  g.keys = api.deps.keys->List().size();
  if (api.queue_depth) g.worker_queue = api.queue_depth();
  g.ssf = api.deps.ssf_stats;
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = api.metrics->Render(g);
  r.With("Cache-Control", "no-store");
  return r;
}

}  // namespace jwtd::http
