#include "http/scope_list.h"

#include <algorithm>
#include <vector>

namespace jwtd::http {
namespace {

// Splits a space-separated scope list into its tokens.
std::vector<std::string_view> ScopeTokens(std::string_view scope) {
  std::vector<std::string_view> out;
  while (!scope.empty()) {
    const auto space = scope.find(' ');
    if (space != 0) out.push_back(scope.substr(0, space));
    if (space == std::string_view::npos) break;
    scope.remove_prefix(space + 1);
  }
  return out;
}

}  // namespace

bool WellFormedScopeList(std::string_view scope) {
  if (scope.empty() || scope.size() > kMaxRequiredScope) return false;
  if (scope.front() == ' ' || scope.back() == ' ') return false;
  if (scope.find("  ") != std::string_view::npos) return false;
  for (char c : scope) {
    if (c != ' ' && (c < 0x21 || c > 0x7e || c == '"' || c == '\\')) return false;
  }
  return true;
}

bool HasEveryScope(std::string_view granted, std::string_view required) {
  const auto have = ScopeTokens(granted);
  for (std::string_view want : ScopeTokens(required)) {
    if (std::find(have.begin(), have.end(), want) == have.end()) return false;
  }
  return true;
}

}  // namespace jwtd::http
