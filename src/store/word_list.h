// A list of words (SSF event-type URIs) stored as one space-separated text column, the same way
// in every store: URIs contain no spaces. Internal to the store adapters; pure, header-only.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace jwtd::store {

inline std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out.push_back(' ');
    out += w;
  }
  return out;
}

inline std::vector<std::string> SplitWords(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace jwtd::store
