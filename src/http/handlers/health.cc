// GET /healthz (liveness: the process answers) and GET /readyz (readiness: the store answers
// Ping and the revocation view may be trusted; 503 otherwise, so a load balancer stops sending
// traffic).
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleHealthz(const Api&, const Request&) {
  Response r = JsonResponse(200, R"({"status":"ok"})");
  r.With("Cache-Control", "no-store");
  return r;
}

// The view's freshness is part of readiness: a stale view in refuse mode refuses
// every authenticated request, so the node should take no traffic (check mode still serves,
// reading the store, which the Ping covers).
Outcome HandleReadyz(const Api& api, const Request&) {
  return Outcome::Later([&api] {
    const bool store_ok = api.deps.store->Ping().ok();
    std::optional<auth::Freshness> f;
    if (api.deps.sync != nullptr) f = api.deps.sync->freshness();
    const bool view_ok =
        !f || f->state != auth::SyncState::kStale || f->stale_mode == auth::StaleMode::kCheck;
    const bool ready = store_ok && view_ok;
    boost::json::object o;
    o["status"] = ready ? "ready" : "unavailable";
    if (!store_ok) o["store"] = "unreachable";
    if (f) {
      boost::json::object v;
      v["state"] = auth::SyncStateName(f->state);
      const bool bus = f->source == auth::SyncSource::kBus;
      v["source"] = bus ? "bus" : "poll";
      if (bus) v["bus_connected"] = f->connected;
      v["applied_seq"] = f->applied_seq;
      v["known_max_seq"] = f->known_max_seq;
      v["lag_ms"] = f->lag_ms;
      o["revocation_view"] = std::move(v);
    }
    Response r = JsonResponse(ready ? 200 : 503, boost::json::serialize(o));
    r.With("Cache-Control", "no-store");
    if (!ready) r.With("Retry-After", "1");
    return r;
  });
}

}  // namespace jwtd::http
