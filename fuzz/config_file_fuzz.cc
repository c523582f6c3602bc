// Fuzzes configuration loading (src/app/config.cc, config_options.cc, config_parse.cc): the
// input is a TOML file, optionally followed by a line "#--" and then lines "KEY=value" — a
// JWTD_* name goes to the environment layer, anything else is a --set flag — so the three layers
// and their one validation path all see arbitrary text. LoadConfig reads a file, so the TOML
// part is written to a private temp file first.
//
// Invariants (a violation traps): LoadConfig returns, never throws or crashes; an error is
// kInvalidArgument with a message of non-empty lines, none echoing a client secret of the
// input; a loaded configuration described as TOML (DescribeConfig, `jwtd config show`) loads
// again to the same description (when every value is UTF-8) and never shows a client secret.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "app/config.h"

namespace {

using jwtd::app::Config;
using jwtd::app::ConfigSources;

void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "config_file_fuzz: invariant violated: %s\n", what);
  __builtin_trap();
}

struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    char templ[] = "/tmp/jwtd-config-fuzz.XXXXXX";
    Require(mkdtemp(templ) != nullptr, "mkdtemp");
    dir = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

std::string WriteFile(std::string_view name, std::string_view text) {
  static TempDir temp;
  const std::string path = (temp.dir / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  Require(out.good(), "temp file written");
  return path;
}

// "KEY=value" lines after the "#--" separator: JWTD_* to the environment, others to flags.
void SplitLayers(std::string_view tail, ConfigSources& sources) {
  while (!tail.empty()) {
    const std::size_t nl = tail.find('\n');
    std::string_view line = tail.substr(0, nl);
    tail = nl == std::string_view::npos ? std::string_view() : tail.substr(nl + 1);
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::pair<std::string, std::string> kv(line.substr(0, eq), line.substr(eq + 1));
    if (line.starts_with("JWTD_")) {
      sources.env.push_back(std::move(kv));
    } else {
      sources.overrides.push_back(std::move(kv));
    }
  }
}

void CheckError(const jwtd::Error& error) {
  Require(error.code() == jwtd::Code::kInvalidArgument, "errors are kInvalidArgument");
  const std::string& m = error.message();
  Require(!m.empty() && m.back() == '\n', "error lines end with a newline");
  Require(m.find("\n\n") == std::string::npos && m.front() != '\n', "no empty error line");
}

void CheckSecretsHidden(const Config& config, const std::string& text) {
  for (const auto& client : config.introspection_clients) {
    Require(text.find(client.id + ":" + client.secret) == std::string::npos,
            "a client secret is never shown");
  }
}

// Whether `text` is UTF-8 (RFC 3629): TOML files are, environment variables and flags need
// not be, and a TOML file cannot hold other bytes at all.
bool Utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t n = b < 0x80         ? 1
                          : (b >> 5) == 6  ? 2
                          : (b >> 4) == 14 ? 3
                          : (b >> 3) == 30 ? 4
                                           : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

// `jwtd config show` prints TOML that an operator may save as a file: it must load again.
void CheckDescribeRoundTrip(const Config& config, bool utf8) {
  const std::string described = jwtd::app::DescribeConfig(config);
  CheckSecretsHidden(config, described);
  if (!utf8) return;                                  // not representable in TOML
  if (!config.introspection_clients.empty()) return;  // shown masked ("id:***"): not loadable
  ConfigSources again;
  again.file = WriteFile("described.toml", described);
  auto reloaded = jwtd::app::LoadConfig(again);
  if (!reloaded.ok()) {
    std::fprintf(stderr, "config_file_fuzz: described config does not load:\n%s\n%s",
                 described.c_str(), reloaded.error().message().c_str());
    __builtin_trap();
  }
  Require(jwtd::app::DescribeConfig(*reloaded) == described, "description is stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = in.find("\n#--\n");
  ConfigSources sources;
  sources.file = WriteFile("jwtd.toml", in.substr(0, sep));
  if (sep != std::string_view::npos) SplitLayers(in.substr(sep + 5), sources);
  auto config = jwtd::app::LoadConfig(sources);
  if (!config.ok()) {
    CheckError(config.error());
    return 0;
  }
  bool utf8 = true;
  for (const auto& layer : {sources.env, sources.overrides}) {
    for (const auto& [k, v] : layer) utf8 = utf8 && Utf8(v);
  }
  CheckDescribeRoundTrip(*config, utf8);
  return 0;
}
