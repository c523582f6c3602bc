// Text parsers for configuration values (env and flag forms; TOML values are converted to the
// same text first so that every layer goes through one validation).
#include <cctype>
#include <charconv>

#include "config_options.h"

namespace jwtd::app {

std::string ParseInt(const std::string& text, std::int64_t min, std::int64_t max,
                     std::int64_t* out) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return "expected an integer, got \"" + text + "\"";
  }
  if (value < min || value > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  }
  *out = value;
  return {};
}

// Accepts plain seconds ("900") or a number with one unit: s, m, h, d ("15m", "30d").
std::string ParseDuration(const std::string& text, std::int64_t* seconds) {
  if (text.empty()) return "expected a duration such as 900, 15m, 12h or 30d";
  std::int64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's':
      unit = 1;
      digits.pop_back();
      break;
    case 'm':
      unit = 60;
      digits.pop_back();
      break;
    case 'h':
      unit = 3600;
      digits.pop_back();
      break;
    case 'd':
      unit = 86400;
      digits.pop_back();
      break;
    default:
      break;
  }
  std::int64_t value = 0;
  std::string error = ParseInt(digits, 0, 100LL * 365 * 86400, &value);
  if (!error.empty())
    return "expected a duration such as 900, 15m, 12h or 30d, got \"" + text + "\"";
  if (value * unit > 100LL * 365 * 86400) return "duration too long";
  *seconds = value * unit;
  return {};
}

std::string ParseBool(const std::string& text, bool* out) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") {
    *out = true;
  } else if (text == "false" || text == "0" || text == "no" || text == "off") {
    *out = false;
  } else {
    return "expected true or false, got \"" + text + "\"";
  }
  return {};
}

// "a, b", or the TOML array form "[\"a\", \"b\"]" / "[]" that users copy from the config file.
std::vector<std::string> SplitList(const std::string& text) {
  auto trim = [](std::string item) {
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
    std::size_t start = 0;
    while (start < item.size() && std::isspace(static_cast<unsigned char>(item[start]))) ++start;
    item.erase(0, start);
    if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
        item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    return item;
  };
  std::string body = trim(text);
  if (body.size() >= 2 && body.front() == '[' && body.back() == ']') {
    body = body.substr(1, body.size() - 2);
  }
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t comma = body.find(',', start);
    if (comma == std::string::npos) comma = body.size();
    std::string item = trim(body.substr(start, comma - start));
    if (!item.empty()) items.push_back(item);
    start = comma + 1;
  }
  return items;
}

std::string EnvName(std::string_view key) {
  std::string name = "JWTD_";
  for (char c : key) {
    name += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace jwtd::app
