// Refresh tokens (api.md "Token formats"): opaque, 256 bits from the CSPRNG, base64url; the
// store only ever sees their SHA-256 (RFC 9700 §4.14: a leaked table yields no usable token).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jwtd/compare.h"

namespace jwtd::auth {

struct NewRefreshToken {
  std::string token;  // handed to the client once, never stored
  std::string hash;   // SHA-256 of the token, raw 32 bytes
};

// A refresh token is 43 base64url characters; anything empty or far longer is not one of ours and
// is not worth hashing.
inline constexpr std::size_t kMaxRefreshTokenBytes = 256;
inline bool PlausibleRefreshToken(std::string_view token) {
  return !token.empty() && token.size() <= kMaxRefreshTokenBytes;
}

NewRefreshToken GenerateRefreshToken();
// SHA-256 of the token as the client presented it, raw 32 bytes.
std::string HashRefreshToken(std::string_view token);

}  // namespace jwtd::auth
