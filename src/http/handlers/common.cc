// Helpers shared by the handler files (see api.h).
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string_view>

#include "http/cookies.h"
#include "http/csrf.h"
#include "http/error_mapping.h"
#include "http/handlers/api.h"
#include "http/handlers/dpop_check.h"
#include "jwtd/compare.h"

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

enum class Scheme : std::uint8_t { kBearer, kDpop };

struct Credential {
  Scheme scheme = Scheme::kBearer;
  std::string_view token;
};

// The scheme and token of the Authorization header; nullopt when it names another scheme or
// none. Scheme names are case-insensitive (RFC 9110 §11.1).
std::optional<Credential> CredentialOf(std::string_view header) {
  const std::string_view value = TrimOws(header);
  const auto space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view scheme = value.substr(0, space);
  const std::string_view token = TrimOws(value.substr(space + 1));
  if (EqualsIgnoreCaseAscii(scheme, "Bearer")) return Credential{Scheme::kBearer, token};
  if (EqualsIgnoreCaseAscii(scheme, "DPoP")) return Credential{Scheme::kDpop, token};
  return std::nullopt;
}

Response Challenge(const Api& api) {
  if (!api.dpop) return MissingBearer();
  Response r = JsonError(401, "unauthorized", "missing access token");
  r.With("WWW-Authenticate", AuthChallenge(api));
  return r;
}

// RFC 9449 §7 (auth::CheckTokenBinding) with the request's one DPoP header, if any.
std::optional<Response> CheckBinding(const Api& api, const Request& request, DpopTargetFn target,
                                     const Credential& credential,
                                     const auth::Principal& principal) {
  const std::size_t proofs = request.HeaderCount("dpop");
  if (credential.scheme == Scheme::kDpop && proofs > 1) {  // RFC 9449 §4.3 step 1: exactly one
    return DpopErrorResponse(api, Error(Code::kUnauthenticated, Reason::kDpopInvalid, "two proofs"),
                             Surface::kBearer);
  }
  std::optional<std::string_view> proof;
  if (proofs == 1) proof = TrimOws(*request.Header("dpop"));
  // The target is built (two strings) only when a proof will be checked against it: never on
  // the bearer path, which the same request line would otherwise pay on every request.
  DpopTarget t;
  if (credential.scheme == Scheme::kDpop && proof) {
    t = (target != nullptr ? target : DpopTargetOf)(api, request);
  }
  auto checked = auth::CheckTokenBindingHere(
      api.dpop.get(), principal,
      credential.scheme == Scheme::kDpop ? auth::TokenScheme::kDpop : auth::TokenScheme::kBearer,
      proof, {t.method, t.uri, credential.token});
  if (!checked.ok()) {
    api.metrics->RecordTokenRejected(checked.error().reason());
    return DpopErrorResponse(api, checked.error(), Surface::kBearer);
  }
  if (checked->has_value()) ClaimBeforeAnswer(api, request, std::move(**checked), Surface::kBearer);
  return std::nullopt;
}

}  // namespace

std::string_view BearerTokenOf(const Request& request) {
  if (request.HeaderCount("authorization") != 1) return {};
  const auto credential = CredentialOf(*request.Header("authorization"));
  return credential ? credential->token : std::string_view();
}

std::variant<auth::Principal, Response> AuthenticateBearer(const Api& api, const Request& request,
                                                           DpopTargetFn target) {
  const std::size_t count = request.HeaderCount("authorization");
  if (count == 0) return Challenge(api);
  if (count > 1) return JsonError(400, "invalid_request", "repeated Authorization header");
  const auto credential = CredentialOf(*request.Header("authorization"));
  // RFC 6750 §3.1: a request without credentials of this scheme gets a challenge, no error. With
  // DPoP off, the DPoP scheme is one of those.
  if (!credential || (credential->scheme == Scheme::kDpop && !api.dpop)) return Challenge(api);
  const std::string_view token = credential->token;
  if (token.empty() || token.find(' ') != std::string_view::npos) {
    return ErrorResponse(Error(Code::kUnauthenticated, Reason::kMalformedToken), Surface::kBearer);
  }
  auto principal = api.deps.tokens->Authenticate(token);
  if (!principal.ok()) {
    api.metrics->RecordTokenRejected(principal.error().reason());
    return ErrorResponse(principal.error(), Surface::kBearer);
  }
  if (auto refused = CheckBinding(api, request, target, *credential, *principal)) {
    return std::move(*refused);
  }
  return std::move(*principal);
}

Response TokenResponseOf(const Api& api, const auth::TokenResponse& tokens, TokenDelivery delivery,
                         int status) {
  boost::json::object o;
  o["access_token"] = tokens.access_token;
  o["token_type"] = tokens.token_type;
  o["expires_in"] = tokens.expires_in;
  if (!tokens.refresh_token.empty()) {
    if (!delivery.refresh_in_cookie) o["refresh_token"] = tokens.refresh_token;
    o["refresh_expires_in"] = tokens.refresh_expires_in;
  }
  if (!tokens.scope.empty()) o["scope"] = tokens.scope;
  Response r = JsonResponse(status, boost::json::serialize(o));
  MarkNoStore(r);  // RFC 6749 §5.1
  AddDpopNonce(api, r);
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
