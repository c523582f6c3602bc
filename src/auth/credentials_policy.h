// What a username and a password may be.
//
// Usernames: 1 to 64 bytes of visible ASCII (0x21-0x7E): no spaces, no control characters, no
// non-ASCII. That rules out look-alike (confusable) names and normalisation ambiguity without a
// Unicode library; they compare exactly (case-sensitive), as stored.
// Passwords: PasswordOptions.min_length to max_length bytes, any bytes (UTF-8 passphrases are
// welcome; the limit is in bytes, which never undercounts characters for the minimum).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "jwtd/auth/options.h"
#include "jwtd/result.h"

namespace jwtd::auth {

inline constexpr std::size_t kMaxUsernameBytes = 64;

// kInvalidArgument (kBadRequest) with a message naming the rule broken (never the input).
[[nodiscard]] Result<void> ValidateUsername(std::string_view username);
[[nodiscard]] Result<void> ValidatePassword(std::string_view password,
                                            const PasswordOptions& options);

}  // namespace jwtd::auth

namespace jwtd::auth {

inline constexpr std::size_t kMaxScopeBytes = 1024;

// RFC 6749 §3.3: space-separated scope-tokens of %x21 / %x23-5B / %x5D-7E; empty is allowed.
[[nodiscard]] Result<void> ValidateScope(std::string_view scope);

}  // namespace jwtd::auth
