// Scope lists (RFC 6749 §3.3): space-separated scope tokens, as a token's `scope` claim and the
// scope a forward-auth check requires (handlers/authz.cc, ServerOptions::authz_scope).
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace jwtd::http {

inline constexpr std::size_t kMaxRequiredScope = 1024;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by one space,
// at most kMaxRequiredScope bytes. '"' and '\' never pass: the list is echoed in a quoted
// WWW-Authenticate attribute.
bool WellFormedScopeList(std::string_view scope);

// Whether every token of `required` is a token of `granted` (any order; a prefix is not a match).
bool HasEveryScope(std::string_view granted, std::string_view required);

}  // namespace jwtd::http
