// The state every handler shares, and the helpers they have in common (bearer authentication,
// client info, token responses and cookies). Handlers are free functions of (Api&, Request&)
// registered by RegisterRoutes; they never touch Beast.
//
// Thread-safety: Api is immutable after construction except Metrics and UsernameCache, which
// synchronise themselves; the dependencies are thread-safe by their own contracts.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "http/address_filter.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/router.h"
#include "http/server.h"
#include "jwtd/auth/dpop_guard.h"

namespace jwtd::http {

// user id -> username, so GET /v1/me answers on the I/O thread without the store after the
// first request of a user (usernames never change). Bounded: cleared when full.
class UsernameCache {
 public:
  explicit UsernameCache(std::size_t capacity) : capacity_(capacity) {}
  std::optional<std::string> Find(std::int64_t user_id) const;
  void Put(std::int64_t user_id, std::string username);

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::int64_t, std::string> map_;  // guarded by mu_
};

struct Api {
  ServerOptions options;
  ServerDeps deps;
  Metrics* metrics = nullptr;
  AddressFilter metrics_allow;
  AddressFilter feed_allow;                  // options.feed_allow; allows all when empty
  AddressFilter admin_allow;                 // options.admin_allow; likewise
  std::function<std::size_t()> queue_depth;  // jobs waiting in the worker pool
  mutable UsernameCache usernames{100'000};
  // DPoP (RFC 9449, dpop_check.h); null when options.dpop.mode is off.
  std::shared_ptr<const auth::DpopGuard> dpop;
};

// Adds every route of api.md that options.role serves (all of them for a full node, the
// verifying ones for a verifier: server_role.h) to `router`.
void RegisterRoutes(const Api& api, Router& router);
// The handler of requests no route matched: static files under web_root, else a JSON 404/405.
Outcome HandleUnrouted(const Api& api, const Request& request, const Match& match);

// --- helpers shared by the handler files ---

auth::ClientInfo ClientOf(const Request& request);

// What a DPoP proof of a request must name (dpop_check.h), computed only for a request that
// carries one: DpopTargetOf (the request's own method and URI) or the forward-auth check's.
struct DpopTarget;
using DpopTargetFn = DpopTarget (*)(const Api& api, const Request& request);

// The principal of the request's access token, or the 401 response to send (RFC 6750 §3,
// RFC 9449 §7): "Authorization: Bearer <token>" for a bearer token, "Authorization: DPoP
// <token>" plus a DPoP proof by its key (with ath) for a DPoP-bound one. A bound token sent as a
// bearer token is refused (RFC 9449 §7.2), as is a bearer token when DPoP is required. Runs on
// the I/O thread: Authenticate does no I/O, a proof check is a signature verify in memory.
std::variant<auth::Principal, Response> AuthenticateBearer(const Api& api, const Request& request,
                                                           DpopTargetFn target = nullptr);
// The token of the request's one "Authorization: Bearer|DPoP <token>" header; empty when there
// is none (the header AuthenticateBearer accepted holds one).
std::string_view BearerTokenOf(const Request& request);

struct TokenDelivery {
  bool refresh_in_cookie = false;  // api.md: the refresh token goes in the cookie, not the body
  bool secure_cookies = true;      // the Secure attribute and __Host- names (SecureCookies)
};
// Whether the cookies set in the answer to `request` carry Secure, and so __Host- names
// (server.cookie_secure: always, or with auto only when the request came over HTTPS, see
// Request::secure). The same answer picks the names a request's cookies are read under.
bool SecureCookies(const Api& api, const Request& request);
// RFC 6749 §5.1 token response, with Cache-Control: no-store; when asked, sets the refresh cookie
// and the CSRF cookie bound to it (csrf.h, under api.options.csrf_key).
Response TokenResponseOf(const Api& api, const auth::TokenResponse& tokens, TokenDelivery delivery,
                         int status = 200);
// Expires the refresh and CSRF cookies under the names `secure` selects (SecureCookies of the
// request).
void ClearAuthCookies(bool secure, Response& response);
// Whether the request carries a refresh cookie under the name it is read by (even an empty or a
// repeated one), so that the answer clears it.
bool HasRefreshCookie(const Api& api, const Request& request);

// The refresh token carried by the refresh cookie after a passing signed double-submit CSRF check
// (api.md, csrf.h): the X-CSRF-Token header must equal the CSRF cookie and the MAC of this
// refresh cookie. Only the names SecureCookies selects are read. nullopt: no (or an empty)
// refresh cookie under that name; a Response: the 400/403 to send. Without require_csrf only the
// cookie is read (the forward-auth check of a safe method, which changes nothing).
std::variant<std::nullopt_t, std::string, Response> CookieRefreshToken(const Api& api,
                                                                       const Request& request,
                                                                       bool require_csrf = true);

}  // namespace jwtd::http
