#include "credentials_policy.h"

#include <algorithm>
#include <string>

namespace jwtd::auth {

Result<void> ValidateUsername(std::string_view username) {
  if (username.empty() || username.size() > kMaxUsernameBytes) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "username must be 1 to 64 characters");
  }
  const bool visible_ascii =
      std::all_of(username.begin(), username.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  if (!visible_ascii) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "username may hold only visible ASCII characters (no spaces)");
  }
  return Ok();
}

Result<void> ValidatePassword(std::string_view password, const PasswordOptions& options) {
  if (password.size() < options.min_length || password.size() > options.max_length) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "password must be " + std::to_string(options.min_length) + " to " +
                     std::to_string(options.max_length) + " bytes");
  }
  return Ok();
}

}  // namespace jwtd::auth

namespace jwtd::auth {

Result<void> ValidateScope(std::string_view scope) {
  if (scope.empty()) return Ok();
  bool ok = scope.size() <= kMaxScopeBytes && scope.front() != ' ' && scope.back() != ' ' &&
            scope.find("  ") == std::string_view::npos;
  for (char c : scope) {
    ok = ok && (c == ' ' || (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\'));
  }
  if (!ok) return Error(Code::kInvalidArgument, Reason::kBadRequest, "invalid scope");
  return Ok();
}

}  // namespace jwtd::auth
