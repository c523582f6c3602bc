// The jwtd command line as a user runs it: keys, tokens and configuration.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "jwtd_process.h"

namespace jwtd::testing {
namespace {

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(CliTest, VersionPrintsTheVersion) {
  ProcessResult r = RunJwtd({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("jwtd "), std::string::npos);
}

TEST(CliTest, UnknownCommandIsAUsageError) {
  ProcessResult r = RunJwtd({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
}

class CliKeyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CliKeyTest, GeneratedKeySignsAndVerifies) {
  TempDir dir;
  std::string key = dir.path() + "/key.jwk";
  ProcessResult gen = RunJwtd({"keys", "generate", "--alg", GetParam(), "-o", key});
  ASSERT_EQ(gen.exit_code, 0) << gen.out;
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ProcessResult sign = RunJwtd({"token", "sign", "--key", key, "--sub", "42", "--aud", "api",
                                "--iss", "https://issuer.test", "--ttl", "5m"});
  ASSERT_EQ(sign.exit_code, 0) << sign.out;
  std::string token = sign.out.substr(0, sign.out.find('\n'));
  ASSERT_EQ(std::count(token.begin(), token.end(), '.'), 2);

  ProcessResult ok = RunJwtd(
      {"token", "verify", token, "--key", key, "--aud", "api", "--iss", "https://issuer.test"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("\"sub\":\"42\""), std::string::npos) << ok.out;

  ProcessResult wrong_aud = RunJwtd({"token", "verify", token, "--key", key, "--aud", "other"});
  EXPECT_EQ(wrong_aud.exit_code, 1);
  EXPECT_NE(wrong_aud.out.find("bad_audience"), std::string::npos) << wrong_aud.out;

  std::string tampered = token;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  ProcessResult bad = RunJwtd({"token", "verify", "-", "--key", key}, {}, tampered + "\n");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
}

INSTANTIATE_TEST_SUITE_P(AllAlgs, CliKeyTest,
                         ::testing::Values("EdDSA", "ES256", "ES384", "RS256", "PS256", "HS256",
                                           "HS384", "HS512"));

TEST(CliTest, SignTakesClaimsFromStdin) {
  TempDir dir;
  std::string key = dir.path() + "/k.jwk";
  ASSERT_EQ(RunJwtd({"keys", "generate", "--alg", "ES256", "--kid", "k1", "-o", key}).exit_code, 0);
  ProcessResult sign = RunJwtd({"token", "sign", "--key", key, "--claims", "-"}, {},
                               R"({"sub":"7","scope":"read write"})");
  ASSERT_EQ(sign.exit_code, 0) << sign.out;
  ProcessResult decode = RunJwtd({"token", "decode", sign.out.substr(0, sign.out.find('\n'))});
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_NE(decode.out.find("NOT VERIFIED"), std::string::npos);
  EXPECT_NE(decode.out.find("\"kid\":\"k1\""), std::string::npos) << decode.out;
  EXPECT_NE(decode.out.find("\"scope\":\"read write\""), std::string::npos) << decode.out;
}

TEST(CliTest, BadInputsAreUsageErrors) {
  TempDir dir;
  std::string key = dir.path() + "/k.jwk";
  EXPECT_EQ(RunJwtd({"keys", "generate", "--alg", "none"}).exit_code, 2);
  EXPECT_EQ(RunJwtd({"keys", "generate", "--alg", "ES256", "--format", "xml"}).exit_code, 2);
  ASSERT_EQ(RunJwtd({"keys", "generate", "--alg", "ES256", "-o", key}).exit_code, 0);
  // Never overwrites an existing key file.
  EXPECT_NE(RunJwtd({"keys", "generate", "--alg", "ES256", "-o", key}).exit_code, 0);
  EXPECT_EQ(RunJwtd({"token", "sign", "--key", key, "--claims", "-"}, {}, "[1,2]").exit_code, 2);
  EXPECT_EQ(RunJwtd({"token", "sign", "--key", dir.path() + "/missing"}).exit_code, 2);
  EXPECT_EQ(RunJwtd({"token", "decode", "not-a-token"}).exit_code, 2);
  EXPECT_EQ(RunJwtd({"token", "verify", "a.b.c"}).exit_code, 2);  // no key given
}

TEST(CliTest, ConfigCheckExplainsMistakes) {
  TempDir dir;
  std::string file = dir.path() + "/jwtd.toml";
  WriteFile(file,
            "[tokens]\naccess_tll = \"5m\"\nrefresh_ttl = \"soon\"\n[revocation]\n"
            "strategies = [\"denylist\", \"magic\"]\n");
  ProcessResult r = RunJwtd({"config", "check", "--config", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("jwtd.toml:2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did you mean \"tokens.access_ttl\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tokens.refresh_ttl"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unknown strategy \"magic\""), std::string::npos) << r.out;

  WriteFile(file, "[tokens]\naccess_ttl = \"5m\"\n[revocation]\nstrategies = [\"version\"]\n");
  EXPECT_EQ(RunJwtd({"config", "check", "--config", file}).exit_code, 0);
  ProcessResult env =
      RunJwtd({"config", "check", "--config", file}, {{"JWTD_TOKENS_ACCESS_TTL", "-3"}});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.out.find("JWTD_TOKENS_ACCESS_TTL"), std::string::npos) << env.out;
}

TEST(CliTest, ConfigShowAppliesLayersAndMasksSecrets) {
  ProcessResult r = RunJwtd({"config", "show", "--set", "tokens.access_ttl=2m"},
                            {{"JWTD_INTROSPECTION_CLIENTS", "rs1:0123456789abcdefXYZ"},
                             {"JWTD_TOKENS_ACCESS_TTL", "60"}});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("access_ttl = 120"), std::string::npos) << r.out;  // flag beats env
  EXPECT_EQ(r.out.find("0123456789abcdef"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rs1:***"), std::string::npos) << r.out;
}

TEST(CliTest, ListOptionsTakeTheTomlArrayFormOnTheCommandLine) {
  ProcessResult none = RunJwtd({"config", "show", "--set", "revocation.strategies=[]"});
  ASSERT_EQ(none.exit_code, 0) << none.out;
  EXPECT_NE(none.out.find("strategies = []"), std::string::npos) << none.out;
  ProcessResult one =
      RunJwtd({"config", "show"}, {{"JWTD_REVOCATION_STRATEGIES", R"(["version"])"}});
  ASSERT_EQ(one.exit_code, 0) << one.out;
  EXPECT_NE(one.out.find(R"(strategies = ["version"])"), std::string::npos) << one.out;
}

TEST(CliTest, ExampleConfigIsValid) {
  TempDir dir;
  ProcessResult example = RunJwtd({"config", "example"});
  ASSERT_EQ(example.exit_code, 0);
  // Uncomment every option line: the defaults must load as they are.
  std::string uncommented;
  std::istringstream lines(example.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos) line = line.substr(2);
    uncommented += line + "\n";
  }
  WriteFile(dir.path() + "/all.toml", uncommented);
  ProcessResult check = RunJwtd({"config", "check", "--config", dir.path() + "/all.toml"});
  EXPECT_EQ(check.exit_code, 0) << check.out << uncommented;
}

}  // namespace
}  // namespace jwtd::testing

namespace jwtd::testing {
namespace {

// docs/jwtd.example.toml is what `jwtd config example` prints: regenerate it with
// `jwtd config example > docs/jwtd.example.toml` when an option changes.
TEST(CliTest, CommittedExampleConfigIsCurrent) {
  std::ifstream in(std::string(JWTD_SOURCE_DIR) + "/docs/jwtd.example.toml");
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(RunJwtd({"config", "example"}).out, committed.str());
}

}  // namespace
}  // namespace jwtd::testing

namespace jwtd::testing {
namespace {

// section.key of every option `jwtd config example` prints.
std::set<std::string> ExampleOptionKeys() {
  std::set<std::string> keys;
  std::istringstream lines(RunJwtd({"config", "example"}).out);
  std::string section;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("[")) section = line.substr(1, line.find(']') - 1);
    const auto eq = line.find(" = ");
    if (line.starts_with("# ") && eq != std::string::npos && line.find(' ', 2) == eq) {
      keys.insert(section + "." + line.substr(2, eq - 2));
    }
  }
  return keys;
}

// `jwtd --help` and `jwtd serve --help` read as a manual page, and every option they name exists.
TEST(CliTest, HelpIsAManualPageNamingRealOptions) {
  const std::set<std::string> options = ExampleOptionKeys();
  ASSERT_TRUE(options.count("log.format")) << "config example lost its options";
  std::set<std::string> sections;
  for (const std::string& key : options) sections.insert(key.substr(0, key.find('.')));
  const std::regex dotted(R"(\b([a-z]+)\.([a-z_]+)\b)");
  for (const auto& [args, wanted] :
       std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
           {{"--help"},
            {"Usage:", "Subcommands:", "DESCRIPTION", "FILES", "ENVIRONMENT", "EXIT STATUS",
             "EXAMPLES", "/etc/jwtd/jwtd.toml", "JWTD_CONFIG"}},
           {{"serve", "--help"},
            {"Usage:", "--config FILE", "--set KEY=VALUE", "--listen ADDR:PORT", "--data-dir DIR",
             "DESCRIPTION", "SIGNALS", "SIGHUP", "FILES", "EXAMPLES", "/var/lib/jwtd"}}}) {
    const ProcessResult r = RunJwtd(args);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    for (const std::string& w : wanted) EXPECT_NE(r.out.find(w), std::string::npos) << w;
    for (std::sregex_iterator it(r.out.begin(), r.out.end(), dotted), end; it != end; ++it) {
      // A file name (jwtd.toml, keys.json), not an option.
      static const std::set<std::string> kExtensions = {"json", "toml", "db", "md", "service"};
      if (!sections.count((*it)[1].str()) || kExtensions.count((*it)[2].str())) continue;
      EXPECT_TRUE(options.count(it->str()))
          << args[0] << " --help names " << it->str() << ", which is not an option";
    }
  }
}

// The configuration the Debian package installs as /etc/jwtd/jwtd.toml loads, with the state in
// /var/lib/jwtd (the unit's StateDirectory).
TEST(CliTest, PackagedConfigurationIsValid) {
  const std::string file = std::string(JWTD_SOURCE_DIR) + "/packaging/jwtd.toml";
  const ProcessResult check = RunJwtd({"config", "check", "--config", file});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  const ProcessResult show = RunJwtd({"config", "show", "--config", file});
  EXPECT_NE(show.out.find("data_dir = \"/var/lib/jwtd\""), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("listen = \"127.0.0.1:8080\""), std::string::npos) << show.out;
}

}  // namespace
}  // namespace jwtd::testing
