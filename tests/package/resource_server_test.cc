// The example resource server, built against the installed package (install_and_build.cmake),
// next to the installed `jwtd serve` on one real PostgreSQL and one real Redis: it accepts
// jwtd's access tokens, refuses them within milliseconds of a logout, logout-all or RFC 7009
// revocation at jwtd, and still refuses them while Redis is down (it reads the store instead).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "jwtd_process.h"
#include "support/postgres_environment.h"
#include "support/process.h"
#include "support/redis_server.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

static auto* const pg_env = PostgresEnvironment::Register();

constexpr char kPassword[] = "correct horse";
constexpr char kIssuer[] = "https://jwtd.package.test";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The example binary as a child process; its port read from its banner.
class ResourceServer {
 public:
  ResourceServer(std::vector<std::string> args, std::string log_path)
      : log_path_(std::move(log_path)) {
    args.insert(args.begin(), RESOURCE_SERVER_BINARY);
    std::string error;
    pid_ = Spawn(args, log_path_, RunAs{}, &error);
    EXPECT_GT(pid_, 0) << error;
    static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
    std::smatch match;
    const auto deadline = SteadyClock::now() + 20s;
    std::string out;
    while (pid_ > 0 && !std::regex_search(out = ReadFile(log_path_), match, kListening)) {
      if (SteadyClock::now() > deadline || Exited(pid_)) {
        ADD_FAILURE() << "resource_server did not start:\n" << out;
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
    if (pid_ > 0) port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
  }
  ~ResourceServer() {
    if (pid_ > 0) StopProcess(pid_, SIGTERM, 5s);
  }
  std::uint16_t port() const { return port_; }
  std::string Log() const { return ReadFile(log_path_); }
  // SIGTERM; true if it exited within 5 s.
  bool Terminate() {
    const bool exited = SignalAndWait(pid_, SIGTERM, 5s);
    if (exited) pid_ = -1;
    return exited;
  }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

class ResourceServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = PostgresEnvironment::FreshDatabaseUrl();
    ASSERT_FALSE(store_url_.empty());
    std::string error;
    redis_ = RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;
    jwtd_ = std::make_unique<JwtdServer>(
        dir_.path() + "/jwtd", std::vector<std::string>{"--set", "store.url=" + store_url_, "--set",
                                                        "bus.url=" + redis_->url(), "--set",
                                                        std::string("tokens.issuer=") + kIssuer});
  }

  // The example on the same store and bus; the JWKS from jwtd's own endpoint (the issuer is a
  // name here, not an address). stale_mode "refuse" answers 503 whenever the view is not
  // verified current, so a 401 there proves the bus kept it in step.
  void StartApi(const std::string& stale_mode) {
    const std::string jwks =
        "http://127.0.0.1:" + std::to_string(jwtd_->port()) + "/.well-known/jwks.json";
    api_ = std::make_unique<ResourceServer>(
        std::vector<std::string>{"--issuer", kIssuer, "--jwks", jwks, "--store-url", store_url_,
                                 "--bus-url", redis_->url(), "--stale-mode", stale_mode, "--listen",
                                 "127.0.0.1:0"},
        dir_.path() + "/resource_server.log");
    ASSERT_NE(api_->port(), 0);
  }

  HttpResponse Hello(const std::string& access) const {
    return HttpClient(api_->port()).Get("/hello", access);
  }
  bool WaitApiInSync(std::chrono::milliseconds limit = 10s) const {
    const auto deadline = SteadyClock::now() + limit;
    while (SteadyClock::now() < deadline) {
      if (HttpClient(api_->port()).Get("/readyz").status == 200) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::string Login(const std::string& user) const {
    HttpClient jwtd(jwtd_->port());
    auto r = jwtd.PostJson("/v1/login", {{"username", user}, {"password", kPassword}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(r.Json().at("access_token").as_string()) : "";
  }
  void Register(const std::string& user) const {
    auto r = HttpClient(jwtd_->port())
                 .PostJson("/v1/users", {{"username", user}, {"password", kPassword}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Polls the resource server until it refuses `access` (at most 2 s); the delay since `since`.
  // A 503 (stale view, store unreachable) is not a refusal of the token: the test fails on it.
  std::chrono::microseconds UntilRefused(const std::string& access,
                                         SteadyClock::time_point since) const {
    for (;;) {
      const HttpResponse r = Hello(access);
      const auto now = SteadyClock::now();
      if (r.status != 200) {
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_NE(r.Header("www-authenticate").find(R"(error="invalid_token")"), std::string::npos);
        return std::chrono::duration_cast<std::chrono::microseconds>(now - since);
      }
      if (now - since > 2s) {
        ADD_FAILURE() << "the resource server still accepts a token revoked at jwtd";
        return 2s;
      }
    }
  }

  TempDir dir_;
  std::string store_url_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<JwtdServer> jwtd_;
  std::unique_ptr<ResourceServer> api_;
};

TEST_F(ResourceServerTest, AcceptsJwtdTokensAndRefusesRevokedOnesWithinMilliseconds) {
  ASSERT_NO_FATAL_FAILURE(StartApi("refuse"));
  ASSERT_TRUE(WaitApiInSync()) << api_->Log();
  HttpClient jwtd(jwtd_->port());
  // One revocation of each kind: logout (sid), logout-all (user version), RFC 7009 (jti).
  const std::vector<std::string> kinds = {"logout", "logout-all", "revoke"};
  for (const std::string& kind : kinds) {
    const std::string user = "user-" + kind;
    Register(user);
    const std::string access = Login(user);
    HttpResponse ok = Hello(access);
    ASSERT_EQ(ok.status, 200) << ok.body << api_->Log();
    HttpResponse me = jwtd.Get("/v1/me", access);
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(ok.Json().at("sub"), me.Json().at("sub"));

    int status = 0;
    if (kind == "revoke") {
      status = jwtd.PostForm("/oauth/revoke", "token=" + access + "&token_type_hint=access_token")
                   .status;
      ASSERT_EQ(status, 200);
    } else {
      status = jwtd.PostJson("/v1/" + kind, boost::json::object{}, access).status;
      ASSERT_EQ(status, 204);
    }
    const auto acknowledged = SteadyClock::now();
    const auto delay = UntilRefused(access, acknowledged);
    std::printf("[ propagation ] %s at jwtd -> refused by the resource server after %.2f ms\n",
                kind.c_str(), static_cast<double>(delay.count()) / 1000.0);
    EXPECT_EQ(jwtd.Get("/v1/me", access).status, 401);
  }
}

TEST_F(ResourceServerTest, RejectsMissingForgedAndForeignTokens) {
  ASSERT_NO_FATAL_FAILURE(StartApi("check"));
  HttpResponse none = Hello("");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate").find("error="), std::string::npos)
      << "RFC 6750 §3.1: no error code without credentials";
  Register("mallory");
  std::string access = Login("mallory");
  ASSERT_EQ(Hello(access).status, 200);
  std::string tampered = access;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Hello(tampered).status, 401);
  EXPECT_EQ(Hello("a.b.c").status, 401);
  // A token from another issuer with its own keys: unknown kid, refused.
  TempDir other_dir;
  JwtdServer other(other_dir.path() + "/other");
  HttpClient other_client(other.port());
  ASSERT_EQ(
      other_client.PostJson("/v1/users", {{"username", "eve"}, {"password", kPassword}}).status,
      201);
  auto foreign = other_client.PostJson("/v1/login", {{"username", "eve"}, {"password", kPassword}});
  ASSERT_EQ(foreign.status, 200);
  EXPECT_EQ(Hello(std::string(foreign.Json().at("access_token").as_string())).status, 401);
  EXPECT_EQ(HttpClient(api_->port()).Get("/nowhere").status, 404);
}

// Redis down: the bus can carry nothing, so the resource server's view is stale and it reads
// the store before trusting itself (stale mode "check"): a logout is still refused at once.
TEST_F(ResourceServerTest, RefusesRevokedTokensWhileRedisIsDown) {
  ASSERT_NO_FATAL_FAILURE(StartApi("check"));
  ASSERT_TRUE(WaitApiInSync()) << api_->Log();
  Register("offline");
  const std::string access = Login("offline");
  ASSERT_EQ(Hello(access).status, 200);
  redis_->Kill();
  ASSERT_EQ(HttpClient(jwtd_->port()).PostJson("/v1/logout", boost::json::object{}, access).status,
            204);
  // At worst the view was verified just before the kill: refused within the staleness bound
  // (bus.staleness_bound_ms, 1 s by default) plus the time to notice.
  const auto delay = UntilRefused(access, SteadyClock::now());
  std::printf("[ redis down ] logout at jwtd -> refused by the resource server after %.2f ms\n",
              static_cast<double>(delay.count()) / 1000.0);
  EXPECT_LT(delay, 1200ms);
  std::string error;
  ASSERT_TRUE(redis_->Restart(&error)) << error;
  EXPECT_TRUE(WaitApiInSync()) << "the resource server resubscribes and resyncs";
  EXPECT_TRUE(api_->Terminate()) << "SIGTERM stops it";
}

}  // namespace
}  // namespace jwtd::testing
