#include "http/router.h"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace jwtd::http {
namespace {

bool IsPlaceholder(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

constexpr std::string_view kTailMark = "...}";

bool IsTail(std::string_view seg) {
  return seg.size() > kTailMark.size() + 1 && seg.front() == '{' && seg.ends_with(kTailMark);
}

// The name inside "{name}" or "{name...}".
std::string PlaceholderName(std::string_view seg) {
  const std::size_t end = IsTail(seg) ? kTailMark.size() : 1;
  return std::string(seg.substr(1, seg.size() - 1 - end));
}

// Calls add(segment) for each segment of `path` until it returns false: "" and "/" give none; a
// path not starting with '/' is one segment. SplitPath and SplitInto differ only in where the
// segments go.
template <class Add>
void ForEachSegment(std::string_view path, Add add) {
  if (path.empty()) return;
  if (path.front() != '/') {
    add(path);
    return;
  }
  path.remove_prefix(1);
  if (path.empty()) return;
  while (true) {
    const auto slash = path.find('/');
    if (!add(path.substr(0, slash)) || slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

// Up to kMaxSegments segments of a path without allocating; a path with more matches no route
// (Add refuses longer patterns).
constexpr std::size_t kMaxSegments = 16;
struct Segments {
  std::array<std::string_view, kMaxSegments> at;
  std::size_t size = 0;
  bool overflow = false;
};

Segments SplitInto(std::string_view path) {
  Segments out;
  ForEachSegment(path, [&out](std::string_view seg) {
    if (out.size == kMaxSegments) {
      out.overflow = true;
      return false;
    }
    out.at[out.size++] = seg;
    return true;
  });
  return out;
}

// Whether `route`'s pattern matches the split path (a trailing slash adds an empty segment, so
// "/v1/me/" is unknown, as in most routers; a placeholder matches one non-empty segment; a tail
// matches what is left, at least one segment, which may be empty).
bool Matches(const Route& route, const Segments& path) {
  const std::size_t fixed = route.segments.size() - (route.tail ? 1 : 0);
  if (route.tail ? path.size <= fixed : (path.overflow || route.segments.size() != path.size)) {
    return false;
  }
  for (std::size_t i = 0; i < fixed; ++i) {
    const std::string& pat = route.segments[i];
    if (IsPlaceholder(pat)) {
      if (path.at[i].empty()) return false;
    } else if (pat != path.at[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  ForEachSegment(path, [&out](std::string_view seg) {
    out.push_back(seg);
    return true;
  });
  return out;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments;
  for (std::string_view seg : SplitPath(pattern)) segments.emplace_back(seg);
  if (segments.size() > kMaxSegments) {
    throw std::invalid_argument("route pattern has more than 16 segments: " + pattern);
  }
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    if (IsTail(segments[i])) throw std::invalid_argument("a tail ends the pattern: " + pattern);
  }
  const bool tail = !segments.empty() && IsTail(segments.back());
  if (tail) {
    has_tail_ = true;
  } else {
    max_segments_ = std::max(max_segments_, segments.size());
  }
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(handler), std::move(segments), tail});
}

Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  const Segments segs = SplitInto(path);
  if ((segs.overflow || segs.size > max_segments_) && !has_tail_) return m;
  for (const auto& route : routes_) {
    if (!Matches(route, segs)) continue;
    if (route.method == method) {
      m.route = &route;
      m.status = 200;
      m.allow.clear();
      for (std::size_t i = 0; i < route.segments.size(); ++i) {
        const std::string& pat = route.segments[i];
        if (route.tail && i + 1 == route.segments.size()) {
          // From the '/' before the tail's first segment to the end of the path.
          const auto offset = static_cast<std::size_t>(segs.at[i].data() - path.data());
          m.params.emplace_back(PlaceholderName(pat),
                                std::string(path.substr(offset > 0 ? offset - 1 : 0)));
        } else if (IsPlaceholder(pat)) {
          m.params.emplace_back(PlaceholderName(pat), std::string(segs.at[i]));
        }
      }
      return m;
    }
    m.status = 405;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += route.method;
  }
  return m;
}

}  // namespace jwtd::http
