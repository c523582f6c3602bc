// The table of configuration options: one row per key, shared by the TOML, environment and flag
// layers, the example file and the banner, so that the four can never disagree.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace jwtd::app {

enum class OptionType { kString, kInt, kBool, kDuration, kList, kAlg, kClients };

struct Option {
  std::string_view key;  // "section.name"
  OptionType type;
  std::string_view help;
  // Sets the option from text (env/flag form, or TOML converted to text); returns an error
  // description, empty on success.
  std::function<std::string(Config&, const std::string&)> set;
  std::function<std::string(const Config&)> show;  // TOML literal of the current value
  bool secret = false;
};

const std::vector<Option>& ConfigOptions();
const Option* FindOption(std::string_view key);
// "JWTD_TOKENS_ACCESS_TTL" for "tokens.access_ttl".
std::string EnvName(std::string_view key);

// Parsers shared by the option setters; each returns an error description, empty on success.
std::string ParseDuration(const std::string& text, std::int64_t* seconds);
std::string ParseInt(const std::string& text, std::int64_t min, std::int64_t max,
                     std::int64_t* out);
std::string ParseBool(const std::string& text, bool* out);
std::vector<std::string> SplitList(const std::string& text);

}  // namespace jwtd::app
