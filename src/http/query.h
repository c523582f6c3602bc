// The query string of a request (RFC 3986 §3.4, application/x-www-form-urlencoded names and
// values): parsed once, percent-decoded, with a name given twice refused as ambiguous rather
// than guessed at. Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jwtd/result.h"

namespace jwtd::http {

class QueryParams {
 public:
  // kInvalidArgument (kBadRequest) for malformed percent-encoding or a repeated name; the
  // message names the parameter, never its value.
  static Result<QueryParams> Parse(std::string_view query);

  // The decoded value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  // A decimal integer in [min, max]; nullopt when absent. kInvalidArgument (naming `name`) when
  // present but not such an integer.
  Result<std::optional<std::int64_t>> GetInt(std::string_view name, std::int64_t min,
                                             std::int64_t max) const;
  // How many parameters the query has.
  std::size_t size() const { return params_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// `text` as a decimal integer in [min, max] (digits, an optional '-', nothing else), or nullopt.
// Also for header values that carry a number (Last-Event-ID).
std::optional<std::int64_t> ParseDecimal(std::string_view text, std::int64_t min, std::int64_t max);

}  // namespace jwtd::http
