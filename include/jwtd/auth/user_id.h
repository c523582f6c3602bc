// The user id as it travels in tokens and in the revocation log: the access token's `sub` and
// the key of a kUserVersion entry are both the user's id in canonical decimal. One parser, so
// every reader agrees on what is a user id. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jwtd::auth {

// The id of `text` when it is a canonical decimal user id: 1 to 19 digits, no sign, no leading
// zero, > 0 and within int64. nullopt for anything else ("0", "007", "+7", " 7", "7x", "").
std::optional<std::int64_t> ParseUserId(std::string_view text);

}  // namespace jwtd::auth
