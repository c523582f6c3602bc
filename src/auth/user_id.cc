#include "jwtd/auth/user_id.h"

#include <charconv>

namespace jwtd::auth {

std::optional<std::int64_t> ParseUserId(std::string_view text) {
  // Canonical only: "007" and "7" must not both name user 7 in one place and differ in another.
  if (text.empty() || text.size() > 19 || text.front() == '0') return std::nullopt;
  std::int64_t id = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0) return std::nullopt;
  return id;
}

}  // namespace jwtd::auth
