// GET /v1/lab — what the logout lab page (web/) needs to fill its trade-off table from the
// running server instead of constants: the revocation strategies and lifetimes in effect, where
// revocation state lives and how big it is now. Only settings and counts: no key, no token, no
// user. Registered only while the page is served (options.web_root set).
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

boost::json::object TokensJson(const auth::AuthOptions& o) {
  boost::json::object t;
  t["access_ttl_seconds"] = o.access_ttl_seconds;
  t["refresh_ttl_seconds"] = o.refresh_ttl_seconds;
  t["session_absolute_ttl_seconds"] = o.session_absolute_ttl_seconds;
  t["refresh_grace_seconds"] = o.refresh_grace_seconds;
  // Access tokens are accepted until exp + leeway (RFC 7519 §4.1.4 clock-skew allowance):
  // the page's "still works until" countdowns include it.
  t["leeway_seconds"] = o.leeway_seconds;
  t["verified_cache_entries"] = o.verified_cache_entries;
  return t;
}

boost::json::value ViewJson(const auth::RevocationView* view) {
  if (view == nullptr) return nullptr;
  const auth::RevocationViewStats s = view->Stats();
  boost::json::object v;
  v["denied_jtis"] = s.denied_jtis;
  v["ended_sessions"] = s.ended_sessions;
  v["user_versions"] = s.user_versions;
  v["approx_bytes"] = s.approx_bytes;
  v["applied_seq"] = s.applied_seq;
  return v;
}

}  // namespace

Outcome HandleLab(const Api& api, const Request& request) {
  const auth::AuthOptions& o = api.deps.tokens->options();
  boost::json::object out;
  out["strategies"] = {{"denylist", o.strategies.denylist}, {"version", o.strategies.version}};
  out["tokens"] = TokensJson(o);
  out["store"] = api.options.store_kind;
  const bool bus =
      api.deps.sync != nullptr && api.deps.sync->freshness().source == auth::SyncSource::kBus;
  out["nodes"] = bus ? "many (revocation bus)" : "one";
  out["revocation_view"] = ViewJson(api.deps.view);
  out["metrics_readable"] = api.metrics_allow.Allows(request.client_address);
  Response r = JsonResponse(200, boost::json::serialize(out));
  r.With("Cache-Control", "no-store");
  return r;
}

}  // namespace jwtd::http
