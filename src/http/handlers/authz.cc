// /v1/authz — the forward-auth check of a gateway (nginx auth_request, Traefik ForwardAuth,
// Envoy ext_authz; docs/gateways.md). The bearer token is checked exactly as for GET /v1/me
// (AuthenticateBearer: the same AccessChecker and revocation view, on the I/O thread, no store
// call), so a logout refuses the token through the gateway as soon as it refuses it here.
//
// Any method is accepted: Traefik forwards the original request's method to the check. The
// original method and URI arrive in X-Forwarded-Method / X-Original-Method and X-Forwarded-Uri /
// X-Original-URI; the answer does not depend on them (one rule for every route behind a given
// check), and no body is read.
//
// Every answer is Cache-Control: no-store: a gateway that caches the check keeps admitting a
// token for as long as it caches, whatever the revocation feed says.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "http/query.h"

namespace jwtd::http {
namespace {

constexpr std::size_t kMaxRequiredScope = 1024;

// Splits a space-separated scope list (RFC 6749 §3.3) into its tokens.
std::vector<std::string_view> ScopeTokens(std::string_view scope) {
  std::vector<std::string_view> out;
  while (!scope.empty()) {
    const auto space = scope.find(' ');
    if (space != 0) out.push_back(scope.substr(0, space));
    if (space == std::string_view::npos) break;
    scope.remove_prefix(space + 1);
  }
  return out;
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by one space.
// The list is echoed in a quoted WWW-Authenticate attribute, so '"' and '\' must never pass.
bool WellFormedScopeList(std::string_view scope) {
  if (scope.empty() || scope.size() > kMaxRequiredScope) return false;
  if (scope.front() == ' ' || scope.back() == ' ') return false;
  if (scope.find("  ") != std::string_view::npos) return false;
  for (char c : scope) {
    if (c != ' ' && (c < 0x21 || c > 0x7e || c == '"' || c == '\\')) return false;
  }
  return true;
}

bool HasEveryScope(std::string_view granted, std::string_view required) {
  const auto have = ScopeTokens(granted);
  for (std::string_view want : ScopeTokens(required)) {
    if (std::find(have.begin(), have.end(), want) == have.end()) return false;
  }
  return true;
}

// The scope the check requires (nullopt: none), or the 400 for a malformed query. Any other
// parameter is refused: a misspelt "scopes=admin" would otherwise admit every valid token.
std::variant<std::optional<std::string>, Response> RequiredScope(const Request& request) {
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

// The identity the gateway copies onto the request it forwards upstream.
Response Admitted(const auth::Principal& p) {
  Response r = EmptyResponse(200);
  r.With("X-Jwtd-Sub", fmt::format_int(p.user_id).str());
  r.With("X-Jwtd-Sid", p.sid);
  if (!p.scope.empty()) r.With("X-Jwtd-Scope", p.scope);
  return r;
}

Response Check(const Api& api, const Request& request) {
  auto required = RequiredScope(request);
  if (auto* bad = std::get_if<Response>(&required)) return std::move(*bad);
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  const auto& principal = std::get<auth::Principal>(auth);
  const auto& scope = std::get<std::optional<std::string>>(required);
  if (scope && !HasEveryScope(principal.scope, *scope)) return InsufficientScope(*scope);
  return Admitted(principal);
}

}  // namespace

Outcome HandleAuthz(const Api& api, const Request& request) {
  Response r = Check(api, request);
  if (!r.Header("Cache-Control")) MarkNoStore(r);
  return r;
}

}  // namespace jwtd::http
