// The Secure attribute policy of jwtd's cookies; a value type of the server's options that the
// configuration parses once at load.
#pragma once

namespace jwtd::http {

// When Set-Cookie carries Secure (RFC 6265 §4.1.2.5). api.md requires Secure cookies, so
// kAlways is the default: browsers also accept them on http://localhost, over TLS and behind a
// TLS-terminating proxy. kAuto marks them Secure only on requests known to be HTTPS (TLS to jwtd,
// or X-Forwarded-Proto: https from a trusted proxy), for a deployment reached over plain HTTP by
// a name other than localhost during development. kNever is for tests of plain HTTP only.
// Secure cookies get __Host- names, the others plain names (http/cookies.h).
enum class CookieSecure { kAlways, kAuto, kNever };

}  // namespace jwtd::http
