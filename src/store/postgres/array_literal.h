// A PostgreSQL array literal built element by element, for one text parameter cast to an array
// ($1::text::bigint[]): one round trip carries many values (pending_appends.cc, the batched
// user lookup of postgres_tx.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jwtd::store::postgres {

// One array literal: elements separated by commas; text double-quoted with `"` and `\`
// escaped (so NULL, braces, commas and spaces inside are data); a missing integer is NULL.
class ArrayLiteral {
 public:
  void Int(std::int64_t value) {
    Comma();
    text_ += std::to_string(value);
  }
  void OptInt(const std::optional<std::int64_t>& value) {
    if (value) return Int(*value);
    Comma();
    text_ += "NULL";
  }
  void Text(std::string_view value) {
    Comma();
    text_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  std::string Done() && {
    text_ += '}';
    return std::move(text_);
  }

 private:
  void Comma() {
    if (text_.size() > 1) text_ += ',';
  }
  std::string text_ = "{";
};

}  // namespace jwtd::store::postgres
