// The double-submit CSRF check for cookie-carried refresh and logout requests (api.md;
// OWASP CSRF cheat sheet "double submit cookie"): the X-CSRF-Token header must equal the
// jwtd_csrf cookie. A cross-site page can make the browser send the cookies but can neither
// read jwtd_csrf nor set a custom header without a CORS preflight (SameSite=Strict is the first
// line of defence, this the second). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "jwtd/compare.h"

namespace jwtd::http {

inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// True when both are present, non-empty and equal.
bool CsrfCheckPasses(std::string_view cookie_value, std::string_view header_value);

// A fresh CSRF token: 32 random bytes, base64url (jwtd::RandomToken).
std::string NewCsrfToken();

}  // namespace jwtd::http
