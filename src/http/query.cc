#include "http/query.h"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>
#include <charconv>

namespace jwtd::http {
namespace {

Error Bad(std::string message) {
  return Error(Code::kInvalidArgument, Reason::kBadRequest, std::move(message));
}

}  // namespace

Result<QueryParams> QueryParams::Parse(std::string_view query) {
  QueryParams out;
  if (query.empty()) return out;
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return Bad("malformed query string");
  boost::urls::encoding_opts form;
  form.space_as_plus = true;  // application/x-www-form-urlencoded
  for (const auto& param : *parsed) {
    std::string key = param.key.decode(form);
    if (out.Get(key)) return Bad("query parameter \"" + key + "\" given twice");
    out.params_.emplace_back(std::move(key), param.has_value ? param.value.decode(form) : "");
  }
  return out;
}

std::optional<std::string_view> QueryParams::Get(std::string_view name) const {
  for (const auto& [k, v] : params_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::optional<std::int64_t>> QueryParams::GetInt(std::string_view name, std::int64_t min,
                                                        std::int64_t max) const {
  auto text = Get(name);
  if (!text) return std::optional<std::int64_t>();
  const std::optional<std::int64_t> value = ParseDecimal(*text, min, max);
  if (!value) {
    return Bad("query parameter \"" + std::string(name) + "\" must be an integer from " +
               std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

std::optional<std::int64_t> ParseDecimal(std::string_view text, std::int64_t min,
                                         std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace jwtd::http
