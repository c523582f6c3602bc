#include "json_sax.h"

#include "jwtd/jose/json_text.h"

namespace jwtd::jose::json {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // RFC 3629 §4 table: exact ranges for the second byte rule out overlongs and surrogates.
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int k = 2; k <= n; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

bool Scratch::FrameHasDuplicate() {
  std::size_t begin = frames.back();
  std::size_t n = keys.size() - begin;
  if (n < 2) return false;
  if (n <= 32) {  // typical JWT objects: pairwise on hashes, names only on a hash match
    for (std::size_t i = begin; i < keys.size(); ++i) {
      for (std::size_t j = i + 1; j < keys.size(); ++j) {
        if (keys[i].hash == keys[j].hash && KeyAt(i) == KeyAt(j)) return true;
      }
    }
    return false;
  }
  // Many members: sort this object's names (discarded right after) so an attacker-sized
  // object costs O(n log n), not O(n^2).
  auto first = keys.begin() + static_cast<std::ptrdiff_t>(begin);
  const char* base = arena.data();
  auto view = [base](const KeyRef& k) { return std::string_view(base + k.off, k.len); };
  std::sort(first, keys.end(), [&](const KeyRef& a, const KeyRef& b) { return view(a) < view(b); });
  return std::adjacent_find(first, keys.end(), [&](const KeyRef& a, const KeyRef& b) {
           return view(a) == view(b);
         }) != keys.end();
}

void Scratch::PopFrame() {
  std::size_t begin = frames.back();
  frames.pop_back();
  if (begin < keys.size()) {
    std::uint32_t min_off = keys[begin].off;
    for (std::size_t i = begin; i < keys.size(); ++i) min_off = std::min(min_off, keys[i].off);
    arena.resize(min_off);
    keys.resize(begin);
  }
}

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of a \uXXXX escape at s[i] (s[i] == '\\'), or -1.
int EscapeAt(std::string_view s, std::size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int v = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    int h = HexValue(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// True if `s` holds a \u escape of an unpaired UTF-16 surrogate (RFC 8259 §8.2).
bool HasLoneSurrogateEscape(std::string_view s) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    int u = EscapeAt(s, i);
    if (u >= 0xDC00 && u <= 0xDFFF) return true;  // trailing half first
    if (u >= 0xD800 && u <= 0xDBFF) {
      int low = EscapeAt(s, i + 6);
      if (low < 0xDC00 || low > 0xDFFF) return true;
      i += 6;
    }
    ++i;  // skip the escaped character ("\\\\" is one escape)
  }
  return false;
}

}  // namespace

Reason ClassifyParseError(std::string_view text, const boost::json::error_code& ec) {
  // Boost.JSON reports bad UTF-8 and unpaired \u surrogates as syntax (or surrogate) errors;
  // both are invalid UTF-8 to jose (RFC 8259 §8.1, §8.2). Only runs on the failure path.
  if (ec == boost::json::error::illegal_leading_surrogate ||
      ec == boost::json::error::illegal_trailing_surrogate || !IsValidUtf8(text) ||
      HasLoneSurrogateEscape(text)) {
    return Reason::kInvalidUtf8;
  }
  return Reason::kBadJson;
}

void AppendQuoted(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

}  // namespace jwtd::jose::json
