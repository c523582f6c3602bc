#include "http/router.h"

namespace jwtd::http {
namespace {

bool IsPlaceholder(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// Matches `path` against `pattern`, collecting placeholder values into `params`.
bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::vector<std::pair<std::string, std::string>>* params) {
  const auto pat = SplitPath(pattern);
  const auto segs = SplitPath(path);
  // A trailing slash adds an empty segment, so "/v1/me/" is unknown, as in most routers.
  if (pat.size() != segs.size()) return false;
  std::vector<std::pair<std::string, std::string>> found;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (IsPlaceholder(pat[i])) {
      if (segs[i].empty()) return false;
      found.emplace_back(std::string(pat[i].substr(1, pat[i].size() - 2)), std::string(segs[i]));
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  if (params != nullptr) *params = std::move(found);
  return true;
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') {
    if (!path.empty()) out.push_back(path);
    return out;
  }
  path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler)});
}

Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  for (const auto& route : routes_) {
    std::vector<std::pair<std::string, std::string>> params;
    if (!MatchPattern(route.pattern, path, &params)) continue;
    if (route.method == method) {
      m.route = &route;
      m.status = 200;
      m.params = std::move(params);
      m.allow.clear();
      return m;
    }
    m.status = 405;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += route.method;
  }
  return m;
}

}  // namespace jwtd::http
