// /v1/authz — the forward-auth check of a gateway (nginx auth_request, Traefik ForwardAuth,
// Envoy ext_authz; docs/gateways.md). The bearer token is checked exactly as for GET /v1/me
// (AuthenticateBearer: the same AccessChecker and revocation view, on the I/O thread, no store
// call), so a logout refuses the token through the gateway as soon as it refuses it here.
//
// Any method is accepted: Traefik and Envoy forward the original request's method to the check.
// It is answered on /v1/authz and on every path under it: Envoy's ext_authz HTTP service sends
// the check to its path_prefix followed by the original path and query
// (/v1/authz/api/orders/7?x=1). The original method is the request's (or X-Forwarded-Method /
// X-Original-Method), the original URI X-Forwarded-Uri / X-Original-URI or else the sub-path. A
// bearer check depends on neither, and no body is read.
//
// With authz.cookie_sessions, a request with no Authorization header is admitted by the live
// session of its refresh cookie (cookie mode: the browser's access token lives in page memory,
// the cookie is what the gateway sees). That is a store read, on the worker pool; and since the
// cookie rides along on cross-site requests' siblings, an unsafe original method needs the
// X-CSRF-Token header exactly as a cookie refresh does.
//
// With authz.username_header, an admitted check carries X-Jwtd-Username. Access tokens hold only
// the user's id, so the name comes from the introspector's per-user cache (one second): on the
// I/O thread when cached, else from the store on the worker pool. A user disabled since (as
// introspection sees it) is refused like a revoked token.
//
// Every answer is Cache-Control: no-store: a gateway that caches the check keeps admitting a
// token for as long as it caches, whatever the revocation feed says.
#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/error_mapping.h"
#include "http/handlers/dpop_check.h"
#include "http/handlers/handlers.h"
#include "http/query.h"
#include "http/scope_list.h"

namespace jwtd::http {
namespace {

// The scope the check requires (nullopt: none), or the 400 for a malformed query. On a sub-path
// (Envoy's path_prefix + the original path) the query string is the original request's, never
// read: the scope is server.authz_scope's. On /v1/authz itself it is ?scope=, and any other
// parameter is refused: a misspelt "scopes=admin" would otherwise admit every valid token.
std::variant<std::optional<std::string>, Response> RequiredScope(const Api& api,
                                                                 const Request& request) {
  if (!request.Param("path").empty()) {
    if (api.options.authz_scope.empty()) return std::optional<std::string>();
    return std::optional<std::string>(api.options.authz_scope);
  }
  auto query = QueryParams::Parse(request.query);
  if (!query.ok()) return BadInput(query.error());
  if (query->size() > (query->Get("scope") ? 1U : 0U)) {
    return JsonError(400, "invalid_request", "the only query parameter of /v1/authz is scope");
  }
  const auto scope = query->Get("scope");
  if (!scope) return std::optional<std::string>();
  if (!WellFormedScopeList(*scope)) {
    return JsonError(400, "invalid_request", "scope must be space-separated scope tokens");
  }
  return std::optional<std::string>(std::string(*scope));
}

// RFC 6750 §3.1: the token is valid but lacks the scope the resource requires.
Response InsufficientScope(const std::string& required) {
  boost::json::object o;
  o["error"] = "insufficient_scope";
  o["error_description"] = "the access token lacks a required scope";
  o["scope"] = required;
  Response r = JsonResponse(403, boost::json::serialize(o));
  r.With("WWW-Authenticate",
         fmt::format(R"(Bearer error="insufficient_scope", scope="{}")", required));
  return r;
}

// The identity the gateway copies onto the request it forwards upstream. Usernames are visible
// ASCII (auth/credentials_policy.h), safe as a header value.
Response Admitted(const auth::Principal& p, std::string_view username = {}) {
  Response r = EmptyResponse(200);
  r.With("X-Jwtd-Sub", fmt::format_int(p.user_id).str());
  r.With("X-Jwtd-Sid", p.sid);
  if (!p.scope.empty()) r.With("X-Jwtd-Scope", p.scope);
  if (!username.empty()) r.With("X-Jwtd-Username", std::string(username));
  return r;
}

// The bearer 401 (RFC 6750 challenge) for a token whose user is disabled or gone.
Response UserRefused() {
  return ErrorResponse(Error(Code::kUnauthenticated, Reason::kUserDisabled,
                             "the access token's user is disabled or deleted"),
                       Surface::kBearer);
}

// The admitted answer with X-Jwtd-Username: the user's row by introspection (the token itself
// was just accepted by the same check, so "inactive" here means the user is gone or disabled).
Response AdmittedWithName(const auth::Principal& p, const auth::Introspection& in) {
  if (!in.active || in.user_id != p.user_id) return UserRefused();
  return Admitted(p, in.username);
}

Outcome AdmitNamed(const Api& api, const Request& request, const auth::Principal& p) {
  const std::string_view token = BearerTokenOf(request);
  if (auto known = api.deps.tokens->IntrospectWithoutStore(token, auth::TokenHint::kAccessToken)) {
    Response r = AdmittedWithName(p, *known);
    MarkNoStore(r);
    return r;
  }
  return Outcome::Later([&api, token = std::string(token), p] {
    auto in = api.deps.tokens->Introspect(token, auth::TokenHint::kAccessToken);
    Response r = in.ok() ? AdmittedWithName(p, *in)
                         : ErrorResponse(in.error(), Surface::kGeneral);  // an outage: no verdict
    MarkNoStore(r);
    return r;
  });
}

// The original request's method: what the gateway says it was, else this request's (Traefik and
// Envoy forward it as the check's own method).
std::string_view OriginalMethod(const Request& request) {
  for (std::string_view name : {"x-forwarded-method", "x-original-method"}) {
    if (auto v = request.Header(name)) return TrimOws(*v);
  }
  return request.method;
}

// RFC 9110 §9.2.1 (methods are case-sensitive): these change nothing, so no CSRF defence.
bool SafeMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE";
}

Response CookieSessionRefused() {
  Response r = JsonError(401, "invalid_token", "the refresh cookie's session is not active");
  r.With("WWW-Authenticate", R"(Bearer error="invalid_token")");
  return r;
}

// The cookie session's check, on a worker: the same answer introspection gives the token.
Outcome CheckCookieSession(const Api& api, std::string token, std::optional<std::string> scope) {
  return Outcome::Later([&api, token = std::move(token), scope = std::move(scope)] {
    auto session = api.deps.tokens->Introspect(token, auth::TokenHint::kRefreshToken);
    Response r;
    if (!session.ok()) {
      r = ErrorResponse(session.error(), Surface::kGeneral);  // an outage is not a refusal
    } else if (!session->active || session->token_type != "refresh_token") {
      r = CookieSessionRefused();
    } else if (scope && !HasEveryScope(session->scope, *scope)) {
      r = InsufficientScope(*scope);
    } else {
      auth::Principal p;
      p.user_id = session->user_id;
      p.sid = session->sid;
      p.scope = session->scope;
      r = Admitted(p, api.options.authz_username_header ? session->username : "");
    }
    MarkNoStore(r);
    return r;
  });
}

// What a DPoP proof forwarded by the gateway was made for (RFC 9449 §4.2): the original
// request's method, and the API's origin (the issuer's) with the original path. The path comes
// from X-Forwarded-Uri (Traefik, Envoy) or X-Original-URI (nginx, HAProxy), query removed; without
// either, a proof can only match a request to this endpoint itself.
DpopTarget GatewayTarget(const Api& api, const Request& request) {
  DpopTarget target = DpopTargetOf(api, request);
  target.method = std::string(OriginalMethod(request));
  for (std::string_view name : {"x-forwarded-uri", "x-original-uri"}) {
    if (auto v = request.Header(name)) {
      std::string_view path = TrimOws(*v);
      path = path.substr(0, path.find_first_of("?#"));
      target.uri.resize(target.uri.size() - request.path.size());  // the origin
      target.uri.append(path);
      break;
    }
  }
  return target;
}

Outcome Check(const Api& api, const Request& request) {
  auto required = RequiredScope(api, request);
  if (auto* bad = std::get_if<Response>(&required)) return std::move(*bad);
  auto auth = AuthenticateBearer(api, request, GatewayTarget);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  const auto& principal = std::get<auth::Principal>(auth);
  const auto& scope = std::get<std::optional<std::string>>(required);
  if (scope && !HasEveryScope(principal.scope, *scope)) return InsufficientScope(*scope);
  if (api.options.authz_username_header) return AdmitNamed(api, request, principal);
  return Admitted(principal);
}

}  // namespace

Outcome HandleAuthz(const Api& api, const Request& request) {
  if (api.options.authz_cookie_sessions && request.HeaderCount("authorization") == 0) {
    auto cookie = CookieRefreshToken(api, request, !SafeMethod(OriginalMethod(request)));
    if (auto* bad = std::get_if<Response>(&cookie)) {
      MarkNoStore(*bad);
      return std::move(*bad);
    }
    if (auto* token = std::get_if<std::string>(&cookie)) {
      auto required = RequiredScope(api, request);
      if (auto* bad = std::get_if<Response>(&required)) {
        MarkNoStore(*bad);
        return std::move(*bad);
      }
      return CheckCookieSession(api, std::move(*token),
                                std::get<std::optional<std::string>>(std::move(required)));
    }
  }
  Outcome outcome = Check(api, request);
  if (!outcome.deferred() && !outcome.response().Header("Cache-Control")) {
    MarkNoStore(outcome.response());
  }
  return outcome;
}

}  // namespace jwtd::http
