// GET /.well-known/jwks.json (RFC 7517 §5: the public keys that are next, active or still
// verifying) and GET /.well-known/oauth-authorization-server (RFC 8414 §2 metadata).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/handlers/handlers.h"
#include "jwtd/jose/alg.h"

namespace jwtd::http {
namespace {

boost::json::array Strings(std::initializer_list<std::string_view> items) {
  boost::json::array out;
  for (auto s : items) out.emplace_back(s);
  return out;
}

std::string MetadataJson(const Api& api) {
  std::string issuer = api.deps.tokens->options().issuer;
  std::string base = issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const bool clients = !api.options.introspection_clients.empty();
  const auto client_auth =
      clients ? Strings({"client_secret_basic", "client_secret_post"}) : Strings({"none"});
  boost::json::object o;
  o["issuer"] = issuer;
  o["jwks_uri"] = base + "/.well-known/jwks.json";
  o["token_endpoint"] = base + "/oauth/token";
  o["revocation_endpoint"] = base + "/oauth/revoke";
  o["introspection_endpoint"] = base + "/oauth/introspect";
  o["grant_types_supported"] = Strings({"refresh_token"});
  // RFC 8414 §2 requires this member; there is no authorization endpoint, so no response type.
  o["response_types_supported"] = boost::json::array();
  o["token_endpoint_auth_methods_supported"] = Strings({"none"});
  o["revocation_endpoint_auth_methods_supported"] = client_auth;
  o["introspection_endpoint_auth_methods_supported"] = client_auth;
  o["service_documentation"] = base + "/";
  // What a third-party verifier needs to reach jwtd's own decision (docs/verifying.md): the
  // revocation feed, and the rules of the access check.
  const auth::AuthOptions& auth = api.deps.tokens->options();
  o["revocation_feed_endpoint"] = base + "/v1/revocations";
  o["revocation_feed_stream_endpoint"] = base + "/v1/revocations/stream";
  o["revocation_feed_auth_methods_supported"] = Strings({"client_secret_basic"});
  o["revocation_feed_heartbeat_ms"] = api.options.feed_heartbeat_ms;
  o["revocation_strategies"] = boost::json::array();
  if (auth.strategies.denylist) o["revocation_strategies"].as_array().emplace_back("denylist");
  if (auth.strategies.version) o["revocation_strategies"].as_array().emplace_back("version");
  o["access_token_typ"] = "at+jwt";
  o["access_token_audience"] = auth.audience;
  o["access_token_max_lifetime"] = auth.access_ttl_seconds;
  o["access_token_leeway"] = auth.leeway_seconds;
  if (api.dpop) {  // RFC 9449 §5.1
    boost::json::array algs;
    for (jose::Alg alg : api.dpop->options().proof.algs) algs.emplace_back(jose::AlgName(alg));
    o["dpop_signing_alg_values_supported"] = std::move(algs);
    o["dpop_mode"] = auth::DpopModeName(api.dpop->mode());
    o["dpop_nonce_required"] = api.dpop->options().nonce_lifetime_seconds > 0;
  }
  return boost::json::serialize(o);
}

}  // namespace

Outcome HandleJwks(const Api& api, const Request&) {
  const auto jwks = api.deps.keys->public_jwks();
  Response r = JsonResponse(200, jwks ? *jwks : std::string(R"({"keys":[]})"));
  // Short, so a rotation or an emergency revocation reaches verifiers soon; the next key is
  // published a day ahead (KeyRingOptions::publish_ahead_seconds), so they never miss a kid.
  r.With("Cache-Control", "public, max-age=300");
  return r;
}

Outcome HandleMetadata(const Api& api, const Request&) {
  Response r = JsonResponse(200, MetadataJson(api));
  r.With("Cache-Control", "public, max-age=3600");
  return r;
}

}  // namespace jwtd::http
