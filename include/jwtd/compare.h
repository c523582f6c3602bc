// Byte-string comparisons shared by every layer: one constant-time equality for secrets (token
// hashes, MACs, client secrets, CSRF tokens) and one ASCII case-insensitive equality for protocol
// tokens (HTTP field names, auth schemes, media types, "none"). Neither depends on the locale.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace jwtd {

// True when a and b hold the same bytes. The time taken depends on the lengths only, never on
// where the contents differ (CRYPTO_memcmp); lengths are not treated as secret.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `c` with A-Z folded to a-z; every other byte as it is.
constexpr char ToLowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when a and b are equal with ASCII letters folded to lower case. Bytes outside A-Z are
// compared as they are (no locale, no UTF-8 folding). Inline: the JWS header check and the
// HTTP layer call it on every request.
constexpr bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

}  // namespace jwtd
