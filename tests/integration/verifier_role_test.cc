// `jwtd serve --role verifier` on the store's log: a real full node and a real verifier process
// sharing one SQLite file and key directory. The verifier answers the verifying endpoints only,
// refuses what the full node revoked within the staleness bound (measured), and opens the store
// and the keys read-only: it creates, migrates and generates nothing, and refuses to start on a
// directory without a schema or keys.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "jwtd_process.h"
#include "support/postgres_environment.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

static auto* const pg_env = PostgresEnvironment::Register();

constexpr char kPassword[] = "correct horse";
constexpr char kIssuer[] = "tokens.issuer=https://issuer.verifier.test";
constexpr auto kStalenessBound = 1000ms;  // bus.staleness_bound_ms default

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class VerifierRoleTest : public ::testing::Test {
 protected:
  std::string full_dir() const { return dir_.path() + "/full"; }
  std::vector<std::string> VerifierArgs() const {
    // The full node's store and keys; polling the log every 20 ms (default 200) keeps the test
    // fast.
    return {"--role", "verifier",
            "--set",  kIssuer,
            "--set",  "store.url=sqlite://" + full_dir() + "/jwtd.db",
            "--set",  "keys.dir=" + full_dir() + "/keys",
            "--set",  "revocation.poll_interval_ms=20"};
  }
  void StartBoth() {
    full_ = std::make_unique<JwtdServer>(full_dir(), std::vector<std::string>{"--set", kIssuer});
    verifier_ = std::make_unique<JwtdServer>(dir_.path() + "/verifier", VerifierArgs());
  }
  std::string Login(const std::string& user) {
    auto r = HttpClient(full_->port())
                 .PostJson("/v1/login", {{"username", user}, {"password", kPassword}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(r.Json().at("access_token").as_string()) : "";
  }
  void Register(const std::string& user) {
    auto r = HttpClient(full_->port())
                 .PostJson("/v1/users", {{"username", user}, {"password", kPassword}});
    ASSERT_EQ(r.status, 201) << r.body;
  }

  TempDir dir_;
  std::unique_ptr<JwtdServer> full_;
  std::unique_ptr<JwtdServer> verifier_;
};

TEST_F(VerifierRoleTest, ServesOnlyTheVerifyingEndpoints) {
  StartBoth();
  EXPECT_NE(verifier_->banner().find("role: verifier"), std::string::npos) << verifier_->banner();
  Register("ann");
  const std::string token = Login("ann");
  const HttpClient v(verifier_->port());
  const auto me = v.Get("/v1/me", token);
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().at("username").as_string(), "ann");
  EXPECT_EQ(v.Get("/v1/authz", token).status, 200);
  EXPECT_EQ(v.Get("/v1/authz/api/orders/7?x=1", token).status, 200);
  EXPECT_EQ(v.PostForm("/oauth/introspect", "token=" + token).status, 200);
  EXPECT_EQ(v.Get("/.well-known/jwks.json").body,
            HttpClient(full_->port()).Get("/.well-known/jwks.json").body);
  EXPECT_EQ(v.Get("/healthz").status, 200);
  EXPECT_EQ(v.Get("/readyz").status, 200);
  EXPECT_EQ(v.Get("/metrics").status, 200);

  // Everything that writes, signs or serves the feed is not routed.
  EXPECT_EQ(v.PostJson("/v1/login", {{"username", "ann"}, {"password", kPassword}}).status, 404);
  EXPECT_EQ(v.PostJson("/v1/users", {{"username", "bob"}, {"password", kPassword}}).status, 404);
  EXPECT_EQ(v.PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=x").status, 404);
  EXPECT_EQ(v.PostJson("/v1/logout", {}, token).status, 404);
  EXPECT_EQ(v.PostJson("/v1/logout-all", {}, token).status, 404);
  EXPECT_EQ(
      v.PostJson("/v1/password", {{"password", kPassword}, {"new_password", "x"}}, token).status,
      404);
  EXPECT_EQ(v.Get("/v1/sessions", token).status, 404);
  EXPECT_EQ(v.Delete("/v1/sessions/x", token).status, 404);
  EXPECT_EQ(v.PostForm("/oauth/revoke", "token=" + token).status, 404);
  EXPECT_EQ(v.Get("/v1/revocations").status, 404);
  EXPECT_EQ(v.Get("/v1/revocations/stream").status, 404);
  EXPECT_EQ(v.Get("/ssf/streams").status, 404);
  EXPECT_EQ(v.Get("/.well-known/ssf-configuration").status, 404);
  EXPECT_EQ(v.Get("/").status, 404);  // no logout lab: it logs in
  // The token is still live everywhere: nothing above reached a logout.
  EXPECT_EQ(v.Get("/v1/me", token).status, 200);
}

// Logout on the full node: refused on the verifier within the staleness bound; p50/p99 of the
// delay (the verifier polls the log every revocation.poll_interval_ms).
TEST_F(VerifierRoleTest, LogoutOnTheFullNodeIsRefusedOnTheVerifierWithinTheBound) {
  StartBoth();
  Register("ann");
  const HttpClient full(full_->port());
  const HttpClient v(verifier_->port());
  std::vector<double> delays_ms;
  constexpr int kLogouts = 50;
  for (int i = 0; i < kLogouts; ++i) {
    const std::string token = Login("ann");
    ASSERT_EQ(v.Get("/v1/authz", token).status, 200);
    ASSERT_EQ(full.PostJson("/v1/logout", {}, token).status, 204);
    const auto start = Clock::now();
    const auto deadline = start + 2 * kStalenessBound;
    int status = 200;
    while ((status = v.Get("/v1/authz", token).status) == 200 && Clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
    }
    ASSERT_EQ(status, 401) << "logout " << i << " still admitted after twice the bound";
    delays_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(delays_ms.begin(), delays_ms.end());
  const double p50 = delays_ms[delays_ms.size() / 2];
  const double p99 = delays_ms[delays_ms.size() * 99 / 100];
  std::printf("verifier (store log) logout -> refused: p50 %.1f ms, p99 %.1f ms over %d\n", p50,
              p99, kLogouts);
  EXPECT_LT(p99, static_cast<double>(kStalenessBound.count()));
}

// The verifier never writes: with the full node stopped, a verifier run leaves the database and
// the key directory byte for byte as they were.
TEST_F(VerifierRoleTest, OpensTheStoreAndKeysReadOnly) {
  StartBoth();
  Register("ann");
  const std::string token = Login("ann");
  ASSERT_EQ(full_->Terminate(), 0);
  verifier_.reset();
  namespace fs = std::filesystem;
  const auto snapshot = [&] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& e : fs::recursive_directory_iterator(full_dir())) {
      if (e.is_regular_file() && e.path().filename() != "jwtd.db-shm") {
        files.emplace_back(e.path().string(), FileBytes(e.path().string()));
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  const auto before = snapshot();
  ASSERT_FALSE(before.empty());
  verifier_ = std::make_unique<JwtdServer>(dir_.path() + "/verifier", VerifierArgs());
  EXPECT_EQ(HttpClient(verifier_->port()).Get("/v1/me", token).status, 200);
  EXPECT_EQ(verifier_->Terminate(), 0);
  const auto after = snapshot();
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].first, after[i].first);
    EXPECT_TRUE(before[i].second == after[i].second) << before[i].first << " changed";
  }
}

TEST_F(VerifierRoleTest, RefusesToStartWithoutSchemaOrKeys) {
  const std::string empty = dir_.path() + "/empty";
  const auto none =
      RunJwtd({"serve", "--role", "verifier", "--data-dir", empty, "--listen", "127.0.0.1:0"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.out.find("read-only"), std::string::npos) << none.out;
  EXPECT_FALSE(std::filesystem::exists(empty)) << "a verifier created its data directory";

  // A database file without jwtd's schema (an empty file SQLite can open).
  std::filesystem::create_directories(empty);
  std::ofstream(empty + "/jwtd.db").flush();
  const auto no_schema =
      RunJwtd({"serve", "--role", "verifier", "--data-dir", empty, "--listen", "127.0.0.1:0"});
  EXPECT_NE(no_schema.exit_code, 0);
  EXPECT_NE(no_schema.out.find("no jwtd schema"), std::string::npos) << no_schema.out;
  EXPECT_EQ(std::filesystem::file_size(empty + "/jwtd.db"), 0U);

  // The schema, but a key directory without keys.
  ASSERT_EQ(RunJwtd({"migrate", "--data-dir", empty}).exit_code, 0);
  std::filesystem::remove_all(empty + "/keys");
  const auto no_keys =
      RunJwtd({"serve", "--role", "verifier", "--data-dir", empty, "--listen", "127.0.0.1:0"});
  EXPECT_NE(no_keys.exit_code, 0);
  EXPECT_NE(no_keys.out.find("no usable key"), std::string::npos) << no_keys.out;
  EXPECT_FALSE(std::filesystem::exists(empty + "/keys/keys.json"));

  const auto bad_role = RunJwtd({"serve", "--role", "reader", "--data-dir", empty});
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_NE(bad_role.out.find("expected full or verifier"), std::string::npos) << bad_role.out;
}

// On PostgreSQL: the verifier never migrates (a database without the schema is refused, and
// stays without it) and follows the full node's log read-only.
TEST_F(VerifierRoleTest, PostgresVerifierIsReadOnlyToo) {
  const std::string empty_url = PostgresEnvironment::FreshDatabaseUrl();
  ASSERT_FALSE(empty_url.empty());
  const auto refused =
      RunJwtd({"serve", "--role", "verifier", "--data-dir", dir_.path() + "/pg-empty", "--listen",
               "127.0.0.1:0", "--set", "store.url=" + empty_url});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("no jwtd schema"), std::string::npos) << refused.out;
  // Still without a schema: a second refusal says the same.
  EXPECT_NE(RunJwtd({"serve", "--role", "verifier", "--data-dir", dir_.path() + "/pg-empty",
                     "--listen", "127.0.0.1:0", "--set", "store.url=" + empty_url})
                .out.find("no jwtd schema"),
            std::string::npos);

  const std::string url = PostgresEnvironment::FreshDatabaseUrl();
  full_ = std::make_unique<JwtdServer>(
      full_dir(), std::vector<std::string>{"--set", kIssuer, "--set", "store.url=" + url});
  verifier_ = std::make_unique<JwtdServer>(
      dir_.path() + "/verifier",
      std::vector<std::string>{"--role", "verifier", "--set", kIssuer, "--set", "store.url=" + url,
                               "--set", "keys.dir=" + full_dir() + "/keys", "--set",
                               "revocation.poll_interval_ms=20"});
  Register("ann");
  const std::string token = Login("ann");
  const HttpClient v(verifier_->port());
  EXPECT_EQ(v.Get("/v1/me", token).status, 200);
  EXPECT_EQ(v.PostJson("/v1/login", {{"username", "ann"}, {"password", kPassword}}).status, 404);
  ASSERT_EQ(HttpClient(full_->port()).PostJson("/v1/logout", {}, token).status, 204);
  const auto deadline = Clock::now() + 2 * kStalenessBound;
  while (v.Get("/v1/authz", token).status == 200 && Clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(v.Get("/v1/authz", token).status, 401);
  EXPECT_EQ(v.Get("/readyz").status, 200);
}

}  // namespace
}  // namespace jwtd::testing
