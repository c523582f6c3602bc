// Strict JSON object parsing on Boost.JSON's SAX parser (no DOM, no hand-written JSON parser).
// The handler rejects duplicate member names at every nesting level (RFC 7515 §4,
// RFC 7519 §4; jose rejects rather than taking the last one), requires the
// document to be an object, and hands the members of that top-level object to a Sink:
//
//   Reason OnTopKey(std::string_view key);       // a member name of the top-level object
//   Reason OnTopValue(const json::Value& v);     // that member's value (kObject/kArray: begin)
//   Reason OnArrayElement(const json::Value& v); // an element of a top-level member's array
//
// A Sink returns Reason::kNone to go on, anything else to stop with that reason. Boost.JSON
// validates syntax and UTF-8 (RFC 8259 §8.1). Scratch space is thread_local and reused, so a
// parse allocates nothing once warm. Internal header; a parse is confined to its thread.
#pragma once

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/error.h"

namespace jwtd::jose::json {

enum class Kind : std::uint8_t { kString, kInt64, kUint64, kDouble, kBool, kNull, kObject, kArray };

struct Value {
  Kind kind;
  std::string_view str = {};  // kString; valid during the callback only
  std::int64_t i = 0;         // kInt64
  std::uint64_t u = 0;        // kUint64
};

// True if `s` is well-formed UTF-8 (RFC 3629 §4: no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// FNV-1a: member names are short; this only has to make unequal names rarely collide.
inline std::uint32_t NameHash(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

// Per-thread scratch: the member names of every open object, for the duplicate check.
struct Scratch {
  struct KeyRef {
    std::uint32_t off, len;
    std::uint32_t hash;  // cheap filter: names are compared only when hashes agree
  };
  std::string arena;                  // member names of open objects, back to back
  std::vector<KeyRef> keys;           // into arena
  std::vector<std::uint32_t> frames;  // index into keys where each open object starts
  std::string part;                   // a string or key delivered in parts
  void Clear() {
    arena.clear();
    keys.clear();
    frames.clear();
    part.clear();
  }
  std::string_view KeyAt(std::size_t i) const { return {arena.data() + keys[i].off, keys[i].len}; }
  // True if the innermost open object repeats a member name.
  bool FrameHasDuplicate();
  void PopFrame();
};

Scratch& ThreadScratch();

template <typename Sink>
class StrictHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  StrictHandler(Sink* sink, Scratch* scratch) : sink_(sink), s_(scratch) {}
  Reason reason() const { return reason_; }

  using ec_t = boost::json::error_code;
  using sv_t = boost::json::string_view;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t& ec) {
    if (!Deliver(Value{Kind::kArray}, ec)) return false;
    if (depth_ == 1) top_array_ = true;
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, ec_t&) {
    if (--depth_ == 1) top_array_ = false;
    return true;
  }
  bool on_object_begin(ec_t& ec) {
    if (depth_ > 0 && !Deliver(Value{Kind::kObject}, ec)) return false;
    s_->frames.push_back(static_cast<std::uint32_t>(s_->keys.size()));
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, ec_t& ec) {
    // RFC 7515 §4 / RFC 7519 §4: member names must be unique.
    if (s_->FrameHasDuplicate()) return Fail(Reason::kDuplicateMember, ec);
    s_->PopFrame();
    --depth_;
    return true;
  }
  bool on_string_part(sv_t s, std::size_t, ec_t&) {
    s_->part.append(s.data(), s.size());
    return true;
  }
  bool on_string(sv_t s, std::size_t, ec_t& ec) {
    std::string_view full = Join(s);
    bool ok = Deliver(Value{Kind::kString, full}, ec);
    s_->part.clear();
    return ok;
  }
  bool on_key_part(sv_t s, std::size_t, ec_t&) {
    s_->part.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv_t s, std::size_t, ec_t& ec);
  bool on_number_part(sv_t, ec_t&) { return true; }
  bool on_int64(std::int64_t i, sv_t, ec_t& ec) { return Deliver(Value{Kind::kInt64, {}, i}, ec); }
  bool on_uint64(std::uint64_t u, sv_t, ec_t& ec) {
    return Deliver(Value{Kind::kUint64, {}, 0, u}, ec);
  }
  bool on_double(double, sv_t, ec_t& ec) { return Deliver(Value{Kind::kDouble}, ec); }
  bool on_bool(bool b, ec_t& ec) { return Deliver(Value{Kind::kBool, {}, b ? 1 : 0}, ec); }
  bool on_null(ec_t& ec) { return Deliver(Value{Kind::kNull}, ec); }
  bool on_comment_part(sv_t, ec_t&) { return true; }
  bool on_comment(sv_t, ec_t&) { return true; }

 private:
  std::string_view Join(sv_t s) {
    if (s_->part.empty()) return {s.data(), s.size()};
    s_->part.append(s.data(), s.size());
    return s_->part;
  }
  bool Fail(Reason r, ec_t& ec) {
    reason_ = r;
    ec = boost::json::error::syntax;  // stops the parser; reason_ tells the real cause
    return false;
  }
  // Routes a value (or container begin) by where it sits; depth 0 must be the object itself.
  bool Deliver(const Value& v, ec_t& ec) {
    Reason r = Reason::kNone;
    if (depth_ == 0) {
      r = Reason::kBadJson;  // the document must be a JSON object
    } else if (depth_ == 1) {
      r = sink_->OnTopValue(v);
    } else if (depth_ == 2 && top_array_) {
      r = sink_->OnArrayElement(v);
    }
    return r == Reason::kNone ? true : Fail(r, ec);
  }

  Sink* sink_;
  Scratch* s_;
  int depth_ = 0;
  bool top_array_ = false;  // the open depth-1 container is an array
  Reason reason_ = Reason::kNone;
};

template <typename Sink>
bool StrictHandler<Sink>::on_key(sv_t s, std::size_t, ec_t& ec) {
  std::string_view key = Join(s);
  Scratch& sc = *s_;
  sc.keys.push_back({static_cast<std::uint32_t>(sc.arena.size()),
                     static_cast<std::uint32_t>(key.size()), NameHash(key)});
  sc.arena.append(key);
  Reason r = depth_ == 1 ? sink_->OnTopKey(key) : Reason::kNone;
  sc.part.clear();
  return r == Reason::kNone ? true : Fail(r, ec);
}

// Why a Boost.JSON parse failed, when the handler did not say: kInvalidUtf8 or kBadJson.
Reason ClassifyParseError(std::string_view text, const boost::json::error_code& ec);

// Parses `text`, which must be exactly one JSON object, feeding `sink`. Returns kNone on
// success, else kBadJson / kInvalidUtf8 / kDuplicateMember or the sink's reason.
template <typename Sink>
[[nodiscard]] Reason ParseObject(std::string_view text, Sink& sink) {
  Scratch& scratch = ThreadScratch();
  scratch.Clear();
  boost::json::basic_parser<StrictHandler<Sink>> parser(boost::json::parse_options{}, &sink,
                                                        &scratch);
  boost::json::error_code ec;
  std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (parser.handler().reason() != Reason::kNone) return parser.handler().reason();
  if (ec) return ClassifyParseError(text, ec);
  if (used != text.size() || !parser.done()) return Reason::kBadJson;
  return Reason::kNone;
}

// A sink that accepts every member: ParseObject with it only checks strictness.
struct AnySink {
  Reason OnTopKey(std::string_view) { return Reason::kNone; }
  Reason OnTopValue(const Value&) { return Reason::kNone; }
  Reason OnArrayElement(const Value&) { return Reason::kNone; }
};

}  // namespace jwtd::jose::json
