// The signed double-submit CSRF check for cookie-carried refresh and logout requests (api.md;
// OWASP CSRF cheat sheet, "signed double-submit cookie"). The CSRF token is not random: it is
// base64url(HMAC-SHA256(csrf_key, "jwtd-csrf-v1:" + refresh_token)), set together with every
// refresh cookie, and a request passes only when its X-CSRF-Token header equals the CSRF cookie
// AND the MAC of the refresh cookie that came with it.
//
// Why signed: a plain double-submit check (header == cookie) is beaten by anyone who can plant
// cookies for the host — a sibling sub-domain, or a man in the middle on a plain-HTTP origin
// (RFC 6265 §8.6, §8.5) — and then send a matching header from a same-site page (SameSite=Strict
// does not stop same-site requests). With the binding the attacker would have to know the
// victim's refresh token (the HttpOnly cookie) and the server's key. The token is bound to the
// refresh token rather than to the session id so that the check needs no store lookup and
// stays in the HTTP layer; the refresh token names one session and rotates with it, so the CSRF
// token rotates too.
//
// Pure functions; thread-safe. The key is secret: never log it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jwtd::http {

inline constexpr std::string_view kCsrfHeader = "x-csrf-token";
// The size of ServerOptions::csrf_key (that of an HMAC-SHA256 output).
inline constexpr std::size_t kCsrfKeyBytes = 32;

// base64url(HMAC-SHA256(key, "jwtd-csrf-v1:" + refresh_token)): 43 characters, cookie-safe.
// Aborts only if OpenSSL's HMAC fails (it cannot for SHA-256 and a valid key), because answering
// with a guessable or empty token would be worse.
std::string CsrfTokenFor(std::string_view key, std::string_view refresh_token);

// True when all three values are non-empty, the header equals the CSRF cookie and equals
// CsrfTokenFor(key, refresh_cookie). Both comparisons are constant time and always both run.
bool CsrfCheckPasses(std::string_view key, std::string_view refresh_cookie,
                     std::string_view csrf_cookie, std::string_view header_value);

// The CSRF key of a deployment from its shared secret (the store's bus key, so that every node of
// one store accepts the tokens of the others): HMAC-SHA256(secret, "jwtd-csrf-key-v1"), 32 bytes.
// Domain separation keeps it unrelated to the bus MACs made with the same secret.
std::string DeriveCsrfKey(std::string_view secret);

// The key of the stateless DPoP nonces (auth::DpopGuard), derived from the CSRF key the same way,
// so every node of a deployment shares it without another secret to distribute. 32 raw bytes;
// secret.
std::string DeriveDpopNonceKey(std::string_view csrf_key);

}  // namespace jwtd::http
