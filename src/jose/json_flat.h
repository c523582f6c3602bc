// A fast path in front of json::ParseObject (json_sax.h) for the JSON that JWTs nearly always
// carry: one flat object of ASCII strings without escapes, small non-negative integers,
// true/false/null and arrays of those (aud). Anything else — escapes, non-ASCII bytes,
// fractions, exponents, negative or long numbers, nested objects or arrays, duplicate names,
// syntax errors, a sink that refuses a member — makes it give up (return false) without a
// verdict; the caller then resets its sink and parses with the strict Boost.JSON path, which
// alone decides what is rejected and why. So the fast path can only accept what the Boost
// path accepts, with the same events in the same order (fuzz/claims_parse_fuzz.cc checks it).
//
// Events are those of json_sax.h (OnTopKey, OnTopValue, OnArrayElement); strings are views into
// `text`. Internal header; no shared state. SkipPlain reads eight bytes at a time as a
// little-endian word (x86-64, AArch64).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>

#include "json_sax.h"

namespace jwtd::jose::json {
namespace flat {

static_assert(std::endian::native == std::endian::little, "SkipPlain loads little-endian words");

// Bytes a JSON string may hold unescaped that need no UTF-8 check: printable ASCII and DEL,
// except '"' and '\\' (RFC 8259 §7: only control characters, '"' and '\\' must be escaped).
constexpr std::array<bool, 256> MakePlainTable() {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}
inline constexpr std::array<bool, 256> kPlain = MakePlainTable();

class Cursor {
 public:
  explicit Cursor(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool AtEnd() const { return p_ == end_; }
  // The next byte, or 0 at the end (0 starts no JSON token, so it always means "give up").
  char Peek() const { return p_ < end_ ? *p_ : '\0'; }
  void Skip() { ++p_; }
  void SkipWs() {        // RFC 8259 §2: the four whitespace characters
    const char* p = p_;  // a local: writes through char* could alias p_ itself
    while (p < end_ && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    p_ = p;
  }
  bool Eat(char c) {
    if (Peek() != c) return false;
    ++p_;
    return true;
  }
  // After the opening quote: a string of plain bytes up to its closing quote.
  bool PlainString(std::string_view* out) {
    const char* start = p_;
    SkipPlain();
    if (p_ == end_ || *p_ != '"') return false;  // escape, control or non-ASCII byte: give up
    *out = {start, static_cast<std::size_t>(p_ - start)};
    ++p_;
    return true;
  }
  // "0" or [1-9][0-9]{0,17}: always fits int64 (Boost.JSON reports these through on_int64).
  // A following digit, '.', 'e' or '-' is left for the caller's structural check to refuse.
  bool SmallUint(std::int64_t* out) {
    if (Peek() == '0') {
      ++p_;
      *out = 0;
      return true;
    }
    const char* p = p_;
    std::int64_t v = 0;
    int n = 0;
    if (std::uint64_t x; end_ - p >= 8 && (std::memcpy(&x, p, 8), EightDigits(x))) {
      v = static_cast<std::int64_t>(ParseEightDigits(x));  // NumericDates have ten digits
      p += 8;
      n = 8;
    }
    for (; n < 18 && p < end_ && *p >= '0' && *p <= '9'; ++n, ++p) v = v * 10 + (*p - '0');
    p_ = p;
    *out = v;
    return n > 0;
  }
  // True if all eight bytes of x are ASCII digits.
  static bool EightDigits(std::uint64_t x) {
    return ((x & 0xF0F0F0F0F0F0F0F0ull) |
            (((x + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) == 0x3333333333333333ull;
  }
  // The value of eight ASCII digits, the first one most significant (pairs, then quads).
  static std::uint64_t ParseEightDigits(std::uint64_t x) {
    x = ((x & 0x0F0F0F0F0F0F0F0Full) * 2561) >> 8;
    x = ((x & 0x00FF00FF00FF00FFull) * 6553601) >> 16;
    return ((x & 0x0000FFFF0000FFFFull) * 42949672960001ull) >> 32;
  }
  bool Literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

 private:
  // Advances to the first byte that is not kPlain (or the end), eight bytes per step.
  void SkipPlain() {
    const char* p = p_;
    while (end_ - p >= 8) {
      std::uint64_t x;
      std::memcpy(&x, p, 8);
      if (std::uint64_t m = SpecialBytes(x); m != 0) {
        p_ = p + std::countr_zero(m) / 8;  // the lowest flag is exact (see SpecialBytes)
        return;
      }
      p += 8;
    }
    while (p < end_ && kPlain[static_cast<unsigned char>(*p)]) ++p;
    p_ = p;
  }
  // High bit of each byte of x (little-endian) that is '"', '\\', < 0x20 or >= 0x80. The
  // borrow tricks can also flag bytes above a flagged one, never below it, so the lowest
  // flag marks the first special byte.
  static std::uint64_t SpecialBytes(std::uint64_t x) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    auto zero_byte = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    std::uint64_t control = (x - 0x20 * kOnes) & ~x & kHigh;
    return zero_byte(x ^ ('"' * kOnes)) | zero_byte(x ^ ('\\' * kOnes)) | control | (x & kHigh);
  }

  const char* p_;
  const char* end_;
};

// A scalar value at the cursor: plain string, small integer, true, false or null.
inline bool Scalar(Cursor& c, Value* v) {
  char ch = c.Peek();
  if (ch == '"') {
    c.Skip();
    v->kind = Kind::kString;
    return c.PlainString(&v->str);
  }
  if (ch >= '0' && ch <= '9') {
    v->kind = Kind::kInt64;
    return c.SmallUint(&v->i);
  }
  if (ch == 't' || ch == 'f') {
    v->kind = Kind::kBool;
    v->i = ch == 't' ? 1 : 0;
    return c.Literal(ch == 't' ? "true" : "false");
  }
  v->kind = Kind::kNull;
  return c.Literal("null");
}

// Member names seen so far, with a 64-bit filter so that the usual all-distinct names cost one
// bit test each; a filter hit compares against the earlier names.
class NameSet {
 public:
  // False if `name` was already seen or the set is full (the caller gives up either way).
  bool Insert(std::string_view name) {
    if (n_ == std::size(names_)) return false;
    std::uint64_t bit = std::uint64_t{1} << Bucket(name);
    if ((filter_ & bit) != 0) {
      for (std::size_t i = 0; i < n_; ++i) {
        if (names_[i] == name) return false;
      }
    }
    filter_ |= bit;
    names_[n_++] = Name{name.data(), name.size()};
    return true;
  }

 private:
  static unsigned Bucket(std::string_view s) {
    if (s.empty()) return 0;
    auto at = [&](std::size_t i) {
      return static_cast<unsigned>(static_cast<unsigned char>(s[i]));
    };
    return (at(0) * 5u + at(s.size() - 1) * 3u + at(s.size() / 2) +
            static_cast<unsigned>(s.size())) &
           63u;
  }
  struct Name {  // trivial, so the array is not zeroed on every parse
    const char* data;
    std::size_t size;
    bool operator==(std::string_view o) const { return std::string_view(data, size) == o; }
  };
  Name names_[32];  // [0, n_) are set
  std::size_t n_ = 0;
  std::uint64_t filter_ = 0;
};

// After '[' of a top-level member: scalar elements up to ']'.
template <typename Sink>
bool Array(Cursor& c, Sink& sink) {
  c.SkipWs();
  if (c.Eat(']')) return true;
  for (;;) {
    Value v{Kind::kNull};
    if (!Scalar(c, &v) || sink.OnArrayElement(v) != Reason::kNone) return false;
    c.SkipWs();
    if (c.Eat(']')) return true;
    if (!c.Eat(',')) return false;
    c.SkipWs();
  }
}

// One "name": value member, the cursor on the name's opening quote.
template <typename Sink>
bool Member(Cursor& c, Sink& sink, NameSet& names) {
  std::string_view name;
  if (!c.Eat('"') || !c.PlainString(&name) || !names.Insert(name)) return false;
  c.SkipWs();
  if (!c.Eat(':')) return false;
  c.SkipWs();
  if (sink.OnTopKey(name) != Reason::kNone) return false;
  if (c.Eat('[')) {
    return sink.OnTopValue(Value{Kind::kArray}) == Reason::kNone && Array(c, sink);
  }
  Value v{Kind::kNull};
  return Scalar(c, &v) && sink.OnTopValue(v) == Reason::kNone;
}

}  // namespace flat

// True if `text` is a flat object as above and `sink` accepted every member: the result is
// then exactly what ParseObject(text, sink) would give. False: no verdict (see top).
template <typename Sink>
[[nodiscard]] bool ParseFlatObject(std::string_view text, Sink& sink) {
  flat::Cursor c(text);
  flat::NameSet names;
  c.SkipWs();
  if (!c.Eat('{')) return false;
  c.SkipWs();
  if (!c.Eat('}')) {
    for (;;) {
      if (!flat::Member(c, sink, names)) return false;
      c.SkipWs();
      if (c.Eat('}')) break;
      if (!c.Eat(',')) return false;
      c.SkipWs();
    }
  }
  c.SkipWs();
  return c.AtEnd();
}

}  // namespace jwtd::jose::json
