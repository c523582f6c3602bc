// DPoP proof replay across nodes: two `jwtd serve` processes on one real PostgreSQL and one real
// Redis (tests/support). A proof one node accepted is refused by the other (the shared ledger on
// the bus's Redis), for resource requests and login alike, also when both get it at once; Redis
// down refuses DPoP requests with 503 (never accepts an unrecorded proof) and its restart is
// picked up; with dpop.replay = "node" the same replay passes, which is what the ledger is for.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "jwtd/jose/dpop.h"
#include "jwtd/jose/key.h"
#include "jwtd_process.h"
#include "support/postgres_environment.h"
#include "support/redis_server.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;

static auto* const pg_env = PostgresEnvironment::Register();

constexpr char kPassword[] = "correct horse";
constexpr char kIssuer[] = "https://jwtd.dpop-cluster.test";  // every node's htu origin

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class MultiNodeDpopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = PostgresEnvironment::FreshDatabaseUrl();
    ASSERT_FALSE(store_url_.empty());
    std::string error;
    redis_ = RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;  // missing redis-server: a failure, never a skip
    auto key = jose::Key::Generate(jose::Alg::kES256);
    ASSERT_TRUE(key.ok());
    key_ = std::move(*key);
  }

  std::unique_ptr<JwtdServer> StartNode(int i, std::string replay = "auto") {
    return std::make_unique<JwtdServer>(
        dir_.path() + "/node" + std::to_string(i),
        std::vector<std::string>{
            "--set", "store.url=" + store_url_, "--set", "bus.url=" + redis_->url(), "--set",
            "keys.dir=" + dir_.path() + "/keys", "--set", std::string("tokens.issuer=") + kIssuer,
            "--set", "dpop.mode=optional", "--set", "dpop.replay=" + replay, "--set",
            "bus.node_id=node" + std::to_string(i)});
  }
  void StartNodes(std::string replay = "auto") {
    for (int i = 0; i < 2; ++i) nodes_.push_back(StartNode(i, replay));
  }
  std::uint16_t port(int i) const { return nodes_[i]->port(); }

  std::string Proof(const std::string& method, const std::string& path,
                    const std::string& token = {}) {
    auto proof = jose::SignDpopProof(*key_, method, kIssuer + path, Now(),
                                     "jti-" + std::to_string(++proofs_), token);
    EXPECT_TRUE(proof.ok());
    return proof.ok() ? *proof : std::string();
  }

  HttpResponse Login(int node, const std::string& user, const std::string& proof) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/v1/login";
    r.content_type = "application/json";
    r.body =
        boost::json::serialize(boost::json::object{{"username", user}, {"password", kPassword}});
    r.headers = {{"DPoP", proof}};
    return HttpClient(port(node)).Send(r);
  }
  // A DPoP-bound access token of a new user, logged in on node 0.
  std::string BoundToken(const std::string& user) {
    auto created =
        HttpClient(port(0)).PostJson("/v1/users", {{"username", user}, {"password", kPassword}});
    EXPECT_EQ(created.status, 201) << created.body;
    auto r = Login(0, user, Proof("POST", "/v1/login"));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    EXPECT_EQ(r.Json().as_object().at("token_type").as_string(), "DPoP");
    return std::string(r.Json().as_object().at("access_token").as_string());
  }
  HttpResponse Me(int node, const std::string& token, const std::string& proof) {
    HttpRequest r;
    r.target = "/v1/me";
    r.headers = {{"Authorization", "DPoP " + token}, {"DPoP", proof}};
    return HttpClient(port(node)).Send(r);
  }

  TempDir dir_;
  std::string store_url_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<jose::Key> key_;
  std::vector<std::unique_ptr<JwtdServer>> nodes_;
  int proofs_ = 0;
};

TEST_F(MultiNodeDpopTest, AProofOneNodeAcceptedIsAReplayOnTheOther) {
  StartNodes();
  const std::string token = BoundToken("alice");
  const std::string proof = Proof("GET", "/v1/me", token);
  auto first = Me(0, token, proof);
  ASSERT_EQ(first.status, 200) << first.body;
  for (int node : {1, 0}) {
    auto replay = Me(node, token, proof);
    EXPECT_EQ(replay.status, 401) << "node " << node << ": " << replay.body;
    EXPECT_EQ(replay.Header("www-authenticate"), "DPoP error=\"invalid_dpop_proof\"");
  }
  EXPECT_EQ(Me(1, token, Proof("GET", "/v1/me", token)).status, 200);  // a fresh proof passes
}

TEST_F(MultiNodeDpopTest, ALoginProofReplayedToAnotherNodeIsRefused) {
  StartNodes();
  auto created =
      HttpClient(port(0)).PostJson("/v1/users", {{"username", "bob"}, {"password", kPassword}});
  ASSERT_EQ(created.status, 201);
  const std::string proof = Proof("POST", "/v1/login");
  ASSERT_EQ(Login(0, "bob", proof).status, 200);
  auto replay = Login(1, "bob", proof);
  EXPECT_EQ(replay.status, 400) << replay.body;
  EXPECT_EQ(replay.Json().as_object().at("error").as_string(), "invalid_dpop_proof");
}

TEST_F(MultiNodeDpopTest, OneProofSentToBothNodesAtOnceIsAcceptedOnce) {
  StartNodes();
  const std::string token = BoundToken("carol");
  for (int round = 0; round < 30; ++round) {
    const std::string proof = Proof("GET", "/v1/me", token);
    std::atomic<int> ready{0};
    int statuses[2] = {0, 0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 2; ++n) {
      threads.emplace_back([&, n] {
        ++ready;
        while (ready < 2) std::this_thread::yield();
        statuses[n] = Me(n, token, proof).status;
      });
    }
    for (auto& t : threads) t.join();
    const int accepted = (statuses[0] == 200) + (statuses[1] == 200);
    EXPECT_EQ(accepted, 1) << "round " << round << ": " << statuses[0] << " " << statuses[1];
    for (int status : statuses) {
      if (status != 200) {
        EXPECT_EQ(status, 401);
      }
    }
  }
}

TEST_F(MultiNodeDpopTest, RedisDownRefusesDpopRequestsAndItsRestartIsPickedUp) {
  StartNodes();
  const std::string token = BoundToken("dave");
  ASSERT_EQ(Me(1, token, Proof("GET", "/v1/me", token)).status, 200);
  redis_->Stop();
  for (int i = 0; i < 5; ++i) {
    auto down = Me(1, token, Proof("GET", "/v1/me", token));
    EXPECT_EQ(down.status, 503) << down.body;
    EXPECT_EQ(down.Header("retry-after"), "1");
  }
  std::string error;
  ASSERT_TRUE(redis_->Restart(&error)) << error;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    status = Me(1, token, Proof("GET", "/v1/me", token)).status;
  }
  EXPECT_EQ(status, 200) << "DPoP requests still refused after Redis came back";
  EXPECT_EQ(nodes_[1]->Output().find(token), std::string::npos) << "a token in the log";
}

TEST_F(MultiNodeDpopTest, WithReplayPerNodeTheSameReplayPasses) {
  StartNodes("node");
  const std::string token = BoundToken("erin");
  const std::string proof = Proof("GET", "/v1/me", token);
  ASSERT_EQ(Me(0, token, proof).status, 200);
  EXPECT_EQ(Me(0, token, proof).status, 401);  // this node's own cache
  EXPECT_EQ(Me(1, token, proof).status, 200);  // the trade-off dpop.replay = "node" makes
}

}  // namespace
}  // namespace jwtd::testing
