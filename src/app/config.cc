// Loads the configuration: defaults < TOML file < JWTD_* environment < flags, every value
// through the one option table (config_options.cc). Collects every mistake before failing.
#include "config.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>

#include "app/feed_origin.h"
#include "config_options.h"
#include "http/address_filter.h"
#include "http/scope_list.h"

extern char** environ;

namespace jwtd::app {
namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string UnknownKey(std::string_view key) {
  std::string best;
  std::size_t best_distance = 4;
  for (const Option& option : ConfigOptions()) {
    // The distance is at least the length difference: skip the O(n*m) table when that alone
    // rules the option out (a long unknown key would otherwise cost seconds per key).
    const std::size_t a = key.size(), b = option.key.size();
    if ((a > b ? a - b : b - a) >= best_distance) continue;
    std::size_t d = EditDistance(key, option.key);
    if (d < best_distance) best_distance = d, best = std::string(option.key);
  }
  std::string message = "unknown option \"" + std::string(key) + "\"";
  if (!best.empty()) message += " (did you mean \"" + best + "\"?)";
  return message;
}

// A TOML value as the text form the option setters take; false if the type cannot fit.
bool TomlToText(const toml::node& node, std::string* text) {
  if (auto s = node.value<std::string>(); s && node.is_string()) return *text = *s, true;
  if (node.is_integer()) return *text = std::to_string(*node.value<std::int64_t>()), true;
  if (node.is_boolean()) return *text = *node.value<bool>() ? "true" : "false", true;
  if (const toml::array* array = node.as_array()) {
    text->clear();
    for (const toml::node& item : *array) {
      std::string part;
      if (const toml::table* t = item.as_table()) {  // {id = "...", secret = "..."}
        auto id = (*t)["id"].value<std::string>();
        auto secret = (*t)["secret"].value<std::string>();
        if (!id || !secret) return false;
        part = *id + ":" + *secret;
      } else if (!TomlToText(item, &part) || item.is_array()) {
        return false;
      }
      if (part.find(',') != std::string::npos) return false;
      if (!text->empty()) text->push_back(',');
      text->append(part);
    }
    return true;
  }
  return false;
}

void Apply(Config& config, std::string_view key, const std::string& text, const std::string& where,
           std::vector<std::string>& errors) {
  const Option* option = FindOption(key);
  if (option == nullptr) {
    errors.push_back(where + ": " + UnknownKey(key));
    return;
  }
  std::string error = option->set(config, text);
  if (!error.empty()) errors.push_back(where + ": " + std::string(key) + ": " + error);
}

void WalkTable(Config& config, const toml::table& table, const std::string& prefix,
               const std::string& file, std::vector<std::string>& errors) {
  for (const auto& [name, node] : table) {
    std::string key =
        prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
    std::string where = file + ":" + std::to_string(node.source().begin.line);
    if (const toml::table* sub = node.as_table()) {
      WalkTable(config, *sub, key, file, errors);
      continue;
    }
    std::string text;
    if (!TomlToText(node, &text)) {
      errors.push_back(where + ": " + key + ": unsupported value type");
      continue;
    }
    Apply(config, key, text, where, errors);
  }
}

void LoadFile(Config& config, const std::string& file, std::vector<std::string>& errors) {
  try {
    toml::table table = toml::parse_file(file);
    WalkTable(config, table, "", file, errors);
  } catch (const toml::parse_error& e) {
    errors.push_back(file + ":" + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
}

void LoadEnvironment(Config& config, const ConfigSources& sources,
                     std::vector<std::string>& errors) {
  for (const auto& [name, value] : sources.env) {
    if (name == "JWTD_CONFIG") continue;  // names the file, read by main
    auto options = ConfigOptions();
    // An init-capture: clang before 16 cannot capture a structured binding (P1091).
    auto it = std::find_if(
        options.begin(), options.end(),
        [env = std::string_view(name)](const Option& o) { return EnvName(o.key) == env; });
    if (it == options.end()) {
      errors.push_back("environment: unknown variable " + name);
      continue;
    }
    Apply(config, it->key, value, "environment " + name, errors);
  }
}

void Finalize(Config& config, std::vector<std::string>& errors) {
  if (config.auth.issuer.empty() || config.auth.issuer == auth::AuthOptions{}.issuer) {
    const bool tls = !config.tls_cert_file.empty() && !config.tls_key_file.empty();
    config.auth.issuer = (tls ? "https://" : "http://") + config.listen;
  }
  if (config.keys.directory.empty() || config.keys.directory == auth::KeyRingOptions{}.directory) {
    config.keys.directory = config.data_dir + "/keys";
  }
  // Checked here too (the server checks again) so that `jwtd config check` catches them.
  for (const auto& [key, cidrs] : {std::pair{"server.trusted_proxies", &config.trusted_proxies},
                                   std::pair{"metrics.allow", &config.metrics_allow},
                                   std::pair{"feed.allow", &config.feed_allow},
                                   std::pair{"admin.allow", &config.admin_allow}}) {
    if (auto filter = http::AddressFilter::Create(*cidrs); !filter.ok()) {
      errors.push_back(std::string(key) + ": " + filter.error().message());
    }
  }
  if (!config.authz_scope.empty() && !http::WellFormedScopeList(config.authz_scope)) {
    errors.push_back(
        "authz.scope: expected scope tokens separated by single spaces (RFC 6749 §3.3)");
  }
  if (!config.verifier_feed_url.empty()) {
    if (config.role != http::ServerRole::kVerifier) {
      errors.push_back("verifier.feed_url: only with server.role = \"verifier\"");
    } else if (auto origin = ParseFeedOrigin(config.verifier_feed_url, config.verifier_feed_client);
               !origin.ok()) {
      errors.push_back(origin.error().message());
    }
    if (!config.bus_url.empty()) {
      errors.push_back("verifier.feed_url and bus.url: a verifier follows one source");
    }
    if (config.authz_username_header) {
      errors.push_back(
          "authz.username_header: a verifier following a feed has no user table to read names "
          "from (the feed carries no usernames)");
    }
  }
  if (config.dpop_replay == "shared" && config.bus_url.empty()) {
    errors.push_back(
        "dpop.replay = \"shared\": needs bus.url (the ledger lives on the bus's Redis)");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    errors.push_back("tls.cert_file and tls.key_file: set both (TLS) or neither (plain HTTP)");
  }
  if (config.listen.rfind(':') == std::string::npos) {
    errors.push_back("server.listen: expected address:port, got \"" + config.listen + "\"");
  }
  if (config.auth.refresh_grace_seconds >= config.auth.access_ttl_seconds) {
    errors.push_back("tokens.refresh_grace: must be shorter than tokens.access_ttl");
  }
  if (config.auth.session_absolute_ttl_seconds != 0 &&
      config.auth.session_absolute_ttl_seconds < config.auth.access_ttl_seconds) {
    errors.push_back("tokens.session_absolute_ttl: must be 0 or at least tokens.access_ttl");
  }
  if (config.revocation_poll_interval_ms >= config.bus_staleness_bound_ms) {
    errors.push_back(
        "revocation.poll_interval_ms: must be below bus.staleness_bound_ms (a node between two "
        "reads of the log would be stale)");
  }
  // A key keeps verifying until every token it signed has expired.
  config.keys.retire_after_seconds = config.auth.access_ttl_seconds + config.auth.leeway_seconds;
  config.keys.verify.issuer = config.auth.issuer;
  config.keys.verify.audiences = {config.auth.audience};
  config.keys.verify.typ = "at+jwt";
  config.keys.verify.leeway_seconds = config.auth.leeway_seconds;
}

}  // namespace

std::string Config::ResolvedStoreUrl() const {
  return store_url.empty() ? "sqlite://" + data_dir + "/jwtd.db" : store_url;
}

std::string Config::ResolvedKeyDir() const { return keys.directory; }

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  std::vector<std::string> errors;
  if (!sources.file.empty()) LoadFile(config, sources.file, errors);
  LoadEnvironment(config, sources, errors);
  for (const auto& [key, value] : sources.overrides) Apply(config, key, value, "flag", errors);
  if (errors.empty()) Finalize(config, errors);
  if (!errors.empty()) {
    std::string message;
    for (const std::string& e : errors) message += e + "\n";
    return Error(Code::kInvalidArgument, Reason::kBadRequest, message);
  }
  return config;
}

std::vector<std::pair<std::string, std::string>> EnvironmentVariables() {
  std::vector<std::pair<std::string, std::string>> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos || !entry.starts_with("JWTD_")) continue;
    vars.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return vars;
}

std::string DescribeConfig(const Config& config) {
  std::string out, section;
  for (const Option& option : ConfigOptions()) {
    std::string_view key = option.key;
    std::string sec(key.substr(0, key.find('.')));
    if (sec != section) {
      if (!section.empty()) out.push_back('\n');
      out.append("[").append(sec).append("]\n");
      section = sec;
    }
    std::string value = option.show(config);
    if (option.secret && option.type == OptionType::kString && value != "\"\"") value = "\"***\"";
    out += std::string(key.substr(key.find('.') + 1)) + " = " + value + "\n";
  }
  return out;
}

std::string ExampleConfig() {
  Config defaults;
  std::string out =
      "# jwtd configuration. Every option with its default. Each can also be set by an\n"
      "# environment variable (tokens.access_ttl -> JWTD_TOKENS_ACCESS_TTL) or a flag\n"
      "# (--set tokens.access_ttl=5m). Later layers win: file < environment < flags.\n"
      "# Durations: seconds, or a number with s, m, h or d.\n";
  std::string section;
  for (const Option& option : ConfigOptions()) {
    std::string_view key = option.key;
    std::string sec(key.substr(0, key.find('.')));
    if (sec != section) {
      out.append("\n[").append(sec).append("]\n");
      section = sec;
    }
    out += "# " + std::string(option.help) + "\n";
    out += "# " + std::string(key.substr(key.find('.') + 1)) + " = " + option.show(defaults) + "\n";
  }
  return out;
}

}  // namespace jwtd::app
