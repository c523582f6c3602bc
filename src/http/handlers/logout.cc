// POST /v1/logout — ends this session, named by the Bearer token, a {"refresh_token"} body or
// the refresh cookie (after the CSRF check): 204. POST /v1/logout-all — ends every session
// of the user (version bump + every family revoked): 204, or with {"except_current": true} 200
// and a fresh token response for the calling session (api.md).
#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

Outcome LogoutByBearer(const Api& api, const Request& request) {
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  return Outcome::Later([&api, principal = std::get<auth::Principal>(std::move(auth)),
                         client = ClientOf(request), clear = HasRefreshCookie(api, request),
                         secure = SecureCookies(api, request)] {
    auto done = api.deps.tokens->Logout(principal, client);
    if (!done.ok()) return ErrorResponse(done.error(), Surface::kGeneral);
    api.metrics->RecordRevocation(RevocationMetric::kLogout);
    Response r = EmptyResponse(204);
    if (clear) ClearAuthCookies(secure, r);
    return r;
  });
}

Outcome LogoutByRefresh(const Api& api, const Request& request, std::string token,
                        bool from_cookie) {
  return Outcome::Later([&api, token = std::move(token), from_cookie, client = ClientOf(request),
                         secure = SecureCookies(api, request)] {
    auto done = api.deps.tokens->LogoutByRefresh(token, client);
    if (!done.ok()) return ErrorResponse(done.error(), Surface::kGeneral);
    api.metrics->RecordRevocation(RevocationMetric::kLogout);
    Response r = EmptyResponse(204);
    if (from_cookie) ClearAuthCookies(secure, r);
    return r;
  });
}

}  // namespace

Outcome HandleLogout(const Api& api, const Request& request) {
  if (request.HeaderCount("authorization") > 0) return LogoutByBearer(api, request);
  auto body = ParseBody(request, BodyFormats::kJson);
  if (!body.ok()) return BadInput(body.error());
  auto token = body->String("refresh_token");
  if (!token.ok()) return BadInput(token.error());
  if (token->has_value() && !(*token)->empty()) {
    return LogoutByRefresh(api, request, std::move(**token), false);
  }
  auto cookie = CookieRefreshToken(api, request);
  if (auto* response = std::get_if<Response>(&cookie)) return std::move(*response);
  if (auto* from_cookie = std::get_if<std::string>(&cookie)) {
    return LogoutByRefresh(api, request, std::move(*from_cookie), true);
  }
  return MissingBearer();
}

Outcome HandleLogoutAll(const Api& api, const Request& request) {
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  auto body = ParseBody(request, BodyFormats::kJson);
  if (!body.ok()) return BadInput(body.error());
  auto except = body->Bool("except_current");
  if (!except.ok()) return BadInput(except.error());
  return Outcome::Later([&api, principal = std::get<auth::Principal>(std::move(auth)),
                         except_current = except->value_or(false), client = ClientOf(request),
                         cookie = HasRefreshCookie(api, request),
                         secure = SecureCookies(api, request)] {
    auto done = api.deps.tokens->LogoutAll(principal, except_current, client);
    if (!done.ok()) return ErrorResponse(done.error(), Surface::kGeneral);
    api.metrics->RecordRevocation(RevocationMetric::kLogoutAll);
    if (except_current && done->has_value()) {
      // A browser session keeps its refresh token in the cookie.
      return TokenResponseOf(api, **done, TokenDelivery{cookie, secure});
    }
    Response r = EmptyResponse(204);
    if (cookie) ClearAuthCookies(secure, r);
    return r;
  });
}

}  // namespace jwtd::http
