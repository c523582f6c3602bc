// Cookies of the browser flow (api.md): the refresh token in jwtd_refresh (HttpOnly) and the
// double-submit CSRF token in jwtd_csrf (readable by the page's script).
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

inline constexpr std::string_view kRefreshCookie = "jwtd_refresh";
inline constexpr std::string_view kCsrfCookie = "jwtd_csrf";

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
// (RFC 6265 §4.1; SameSite per RFC 6265bis). `value` must be cookie-octets (base64url is).
std::string BuildSetCookie(std::string_view name, std::string_view value,
                           const SetCookieOptions& options);

}  // namespace jwtd::http
