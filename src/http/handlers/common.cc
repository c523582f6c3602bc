// Helpers shared by the handler files (see api.h).
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string_view>

#include "http/cookies.h"
#include "http/csrf.h"
#include "http/error_mapping.h"
#include "http/handlers/api.h"

namespace jwtd::http {
namespace {

constexpr std::size_t kMaxUserAgent = 256;

}  // namespace

std::optional<std::string> UsernameCache::Find(std::int64_t user_id) const {
  std::lock_guard lock(mu_);
  const auto it = map_.find(user_id);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

void UsernameCache::Put(std::int64_t user_id, std::string username) {
  std::lock_guard lock(mu_);
  if (map_.size() >= capacity_) map_.clear();
  map_[user_id] = std::move(username);
}

auth::ClientInfo ClientOf(const Request& request) {
  auth::ClientInfo info;
  info.address = request.client_address;
  const std::string_view ua = request.Header("user-agent").value_or("");
  info.user_agent = std::string(ua.substr(0, kMaxUserAgent));
  return info;
}

namespace {

// What follows "Bearer " in the Authorization header; nullopt when the header names another
// scheme or none.
std::optional<std::string_view> BearerCredential(std::string_view header) {
  const std::string_view value = TrimOws(header);
  const auto space = value.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoreCaseAscii(value.substr(0, space), "Bearer")) {
    return std::nullopt;
  }
  return TrimOws(value.substr(space + 1));
}

}  // namespace

std::string_view BearerTokenOf(const Request& request) {
  if (request.HeaderCount("authorization") != 1) return {};
  return BearerCredential(*request.Header("authorization")).value_or(std::string_view());
}

std::variant<auth::Principal, Response> AuthenticateBearer(const Api& api, const Request& request) {
  const std::size_t count = request.HeaderCount("authorization");
  if (count == 0) return MissingBearer();
  if (count > 1) return JsonError(400, "invalid_request", "repeated Authorization header");
  const auto credential = BearerCredential(*request.Header("authorization"));
  // RFC 6750 §3.1: a request without credentials of this scheme gets a challenge, no error.
  if (!credential) return MissingBearer();
  const std::string_view token = *credential;
  if (token.empty() || token.find(' ') != std::string_view::npos) {
    return ErrorResponse(Error(Code::kUnauthenticated, Reason::kMalformedToken), Surface::kBearer);
  }
  auto principal = api.deps.tokens->Authenticate(token);
  if (!principal.ok()) {
    api.metrics->RecordTokenRejected(principal.error().reason());
    return ErrorResponse(principal.error(), Surface::kBearer);
  }
  return std::move(*principal);
}

Response TokenResponseOf(const Api& api, const auth::TokenResponse& tokens, TokenDelivery delivery,
                         int status) {
  boost::json::object o;
  o["access_token"] = tokens.access_token;
  o["token_type"] = "Bearer";
  o["expires_in"] = tokens.expires_in;
  if (!tokens.refresh_token.empty()) {
    if (!delivery.refresh_in_cookie) o["refresh_token"] = tokens.refresh_token;
    o["refresh_expires_in"] = tokens.refresh_expires_in;
  }
  if (!tokens.scope.empty()) o["scope"] = tokens.scope;
  Response r = JsonResponse(status, boost::json::serialize(o));
  MarkNoStore(r);  // RFC 6749 §5.1
  if (delivery.refresh_in_cookie && !tokens.refresh_token.empty()) {
    const CookieNames names = CookieNamesFor(delivery.secure_cookies);
    SetCookieOptions opt;
    opt.secure = delivery.secure_cookies;
    opt.max_age_seconds = tokens.refresh_expires_in;
    r.With("Set-Cookie", BuildSetCookie(names.refresh, tokens.refresh_token, opt));
    // Bound to this refresh token (csrf.h), so a grace replay, which returns the same successor,
    // gets the same CSRF token. The page's script reads it to echo it in X-CSRF-Token.
    opt.http_only = false;
    r.With(
        "Set-Cookie",
        BuildSetCookie(names.csrf, CsrfTokenFor(api.options.csrf_key, tokens.refresh_token), opt));
  }
  return r;
}

bool SecureCookies(const Api& api, const Request& request) {
  switch (api.options.cookie_secure) {
    case CookieSecure::kAlways:
      return true;
    case CookieSecure::kAuto:
      return request.secure;
    case CookieSecure::kNever:
      return false;
  }
  return true;
}

void ClearAuthCookies(bool secure, Response& response) {
  const CookieNames names = CookieNamesFor(secure);
  SetCookieOptions opt;
  opt.secure = secure;
  opt.clear = true;
  response.With("Set-Cookie", BuildSetCookie(names.refresh, "", opt));
  opt.http_only = false;
  response.With("Set-Cookie", BuildSetCookie(names.csrf, "", opt));
}

bool HasRefreshCookie(const Api& api, const Request& request) {
  const auto header = request.Header("cookie");
  if (!header.has_value()) return false;
  const CookieNames names = CookieNamesFor(SecureCookies(api, request));
  return FindCookie(ParseCookieHeader(*header), names.refresh).state != CookieState::kAbsent;
}

std::variant<std::nullopt_t, std::string, Response> CookieRefreshToken(const Api& api,
                                                                       const Request& request,
                                                                       bool require_csrf) {
  const std::size_t headers = request.HeaderCount("cookie");
  if (headers == 0) return std::nullopt;
  // RFC 6265 §5.4: a user agent sends one Cookie header; more is not a browser.
  if (headers > 1) return JsonError(400, "invalid_request", "repeated Cookie header");
  // Only the names this request's answer would set: a Secure deployment never reads a plain-named
  // cookie, which anyone able to plant cookies for the host could have put there.
  const CookieNames names = CookieNamesFor(SecureCookies(api, request));
  const auto cookies = ParseCookieHeader(*request.Header("cookie"));
  const CookieLookup refresh = FindCookie(cookies, names.refresh);
  if (refresh.state == CookieState::kAbsent) return std::nullopt;
  if (refresh.state == CookieState::kAmbiguous) {
    return JsonError(400, "invalid_request", "repeated " + std::string(names.refresh) + " cookie");
  }
  if (refresh.value.empty()) return std::nullopt;  // an expired cookie protects nothing
  if (!require_csrf) return refresh.value;
  const CookieLookup csrf = FindCookie(cookies, names.csrf);
  if (request.HeaderCount(kCsrfHeader) != 1 || csrf.state != CookieState::kPresent ||
      !CsrfCheckPasses(api.options.csrf_key, refresh.value, csrf.value,
                       *request.Header(kCsrfHeader))) {
    return CsrfFailed();
  }
  return refresh.value;
}

}  // namespace jwtd::http
