// Cookies of the browser flow (api.md): the refresh token in an HttpOnly cookie and the signed
// double-submit CSRF token (csrf.h) in one the page's script can read.
//
// Their names carry the __Host- prefix whenever they are Secure (RFC 6265bis §4.1.3.2): a
// browser then accepts them only from a secure origin of this very host, with Path=/ and no
// Domain, so a sibling sub-domain or a plain-HTTP page cannot plant or overwrite them. Without
// Secure (server.cookie_secure = never, or auto on plain HTTP) the prefix would make browsers drop
// them, so those requests use the plain names. A request reads only the names its own answer
// would set (CookieNamesFor): a plain-named cookie is not even looked at by a Secure deployment.
//
// Parsing follows RFC 6265 §4.2.1 (cookie-string = cookie-pair *( ";" SP cookie-pair )) and is
// strict per pair: a pair with an invalid name or value is dropped, never guessed at. Other
// applications on the same host can put cookies in the header, so one bad pair does not reject
// the request. A name that appears twice is ambiguous (cookie tossing, RFC 6265 §8.6) and is
// reported as such. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jwtd::http {

inline constexpr std::string_view kHostRefreshCookie = "__Host-jwtd_refresh";
inline constexpr std::string_view kHostCsrfCookie = "__Host-jwtd_csrf";
inline constexpr std::string_view kPlainRefreshCookie = "jwtd_refresh";
inline constexpr std::string_view kPlainCsrfCookie = "jwtd_csrf";

struct CookieNames {
  std::string_view refresh;
  std::string_view csrf;
};

// The __Host- names when the cookies are Secure, the plain names otherwise.
constexpr CookieNames CookieNamesFor(bool secure) {
  return secure ? CookieNames{kHostRefreshCookie, kHostCsrfCookie}
                : CookieNames{kPlainRefreshCookie, kPlainCsrfCookie};
}

struct Cookie {
  std::string name;
  std::string value;
};

// The valid pairs of one Cookie header value, in order.
std::vector<Cookie> ParseCookieHeader(std::string_view header);

enum class CookieState : std::uint8_t { kAbsent, kPresent, kAmbiguous };

struct CookieLookup {
  CookieState state = CookieState::kAbsent;
  std::string value;  // when kPresent
};

// Looks `name` up among `cookies`; kAmbiguous if it appears more than once.
CookieLookup FindCookie(const std::vector<Cookie>& cookies, std::string_view name);

struct SetCookieOptions {
  bool http_only = true;
  bool secure = true;
  std::int64_t max_age_seconds = 0;  // 0 with clear == true expires the cookie now
  bool clear = false;
};

// A Set-Cookie value: "<name>=<value>; Path=/; Max-Age=<n>; [HttpOnly; ][Secure; ]SameSite=Strict"
// (RFC 6265 §4.1; SameSite per RFC 6265bis). `value` must be cookie-octets (base64url is). Never a
// Domain attribute and always Path=/, as a __Host- name requires (RFC 6265bis §4.1.3.2); a name
// with the __Host- or __Secure- prefix (any case, as browsers match it) always gets Secure, since
// a browser would drop it otherwise.
std::string BuildSetCookie(std::string_view name, std::string_view value,
                           const SetCookieOptions& options);

}  // namespace jwtd::http
