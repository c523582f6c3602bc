// Three `jwtd serve` processes sharing one real PostgreSQL and one real Redis (tests/support):
// a revocation on one node is refused by the others, with the propagation delay measured; Redis
// killed and restarted; a node killed with SIGKILL right after acknowledging revocations; a
// refresh race across two nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "jwtd_process.h"
#include "support/postgres_environment.h"
#include "support/redis_server.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

static auto* const pg_env = PostgresEnvironment::Register();

constexpr char kPassword[] = "correct horse";
constexpr auto kStalenessBound = 1000ms;  // bus.staleness_bound_ms default

struct Tokens {
  std::string access, refresh;
};

int Me(std::uint16_t port, const std::string& access) {
  return HttpClient(port).Get("/v1/me", access).status;
}

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_url_ = PostgresEnvironment::FreshDatabaseUrl();
    ASSERT_FALSE(store_url_.empty());
    std::string error;
    redis_ = RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;  // missing redis-server: a failure, never a skip
    for (int i = 0; i < 3; ++i) nodes_.push_back(StartNode(i));
  }

  // Every node: the shared store, bus, key directory and issuer; its own data dir.
  std::unique_ptr<JwtdServer> StartNode(int i) {
    return std::make_unique<JwtdServer>(
        dir_.path() + "/node" + std::to_string(i),
        std::vector<std::string>{"--set", "store.url=" + store_url_, "--set",
                                 "bus.url=" + redis_->url(), "--set",
                                 "keys.dir=" + dir_.path() + "/keys", "--set",
                                 "tokens.issuer=https://jwtd.multinode.test", "--set",
                                 "bus.node_id=node" + std::to_string(i)});
  }
  std::uint16_t port(int i) const { return nodes_[i]->port(); }

  void Register(const std::string& user) {
    auto r =
        HttpClient(port(0)).PostJson("/v1/users", {{"username", user}, {"password", kPassword}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  Tokens Login(int node, const std::string& user) {
    auto r =
        HttpClient(port(node)).PostJson("/v1/login", {{"username", user}, {"password", kPassword}});
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    auto o = r.Json().as_object();
    return {std::string(o.at("access_token").as_string()),
            std::string(o.at("refresh_token").as_string())};
  }
  // One of the three revocations of the product, by turn; its HTTP status.
  int Revoke(int node, int kind, const Tokens& t) {
    HttpClient c(port(node));
    if (kind == 0) return c.PostJson("/v1/logout", boost::json::object{}, t.access).status;
    if (kind == 1) return c.PostJson("/v1/logout-all", boost::json::object{}, t.access).status;
    return c.PostForm("/oauth/revoke", "token=" + t.access + "&token_type_hint=access_token")
        .status;
  }
  // Polls `node` until it refuses `access`; the time from `since`. Fails after `limit`.
  std::chrono::microseconds UntilRefused(int node, const std::string& access,
                                         Clock::time_point since,
                                         std::chrono::milliseconds limit = 5000ms) {
    for (;;) {
      const int status = Me(port(node), access);
      const auto now = Clock::now();
      if (status != 200) {
        EXPECT_EQ(status, 401);
        return std::chrono::duration_cast<std::chrono::microseconds>(now - since);
      }
      if (now - since > limit) {
        ADD_FAILURE() << "node " << node << " still accepts a revoked token";
        return std::chrono::duration_cast<std::chrono::microseconds>(limit);
      }
    }
  }
  std::string ReadyState(int node) {
    auto r = HttpClient(port(node)).Get("/readyz");
    auto o = r.Json().as_object();
    return std::string(o.at("revocation_view").as_object().at("state").as_string());
  }
  bool WaitNotInSync(int node, std::chrono::milliseconds limit = 5s) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (ReadyState(node) != "in_sync") return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  bool WaitInSync(int node, std::chrono::milliseconds limit = 10s) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (ReadyState(node) == "in_sync") return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  TempDir dir_;
  std::string store_url_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<JwtdServer>> nodes_;
};

TEST_F(MultiNodeTest, RevocationOnOneNodeIsRefusedByTheOthersWithinMilliseconds) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(WaitInSync(i)) << "node " << i;
  constexpr int kSamples = 51;
  std::vector<double> delays_ms;
  for (int i = 0; i < kSamples; ++i) {
    const std::string user = "user" + std::to_string(i);
    Register(user);
    Tokens t = Login(0, user);
    ASSERT_EQ(Me(port(1), t.access), 200);
    ASSERT_EQ(Me(port(2), t.access), 200);
    const int status = Revoke(0, i % 3, t);
    const auto acked = Clock::now();
    ASSERT_TRUE(status == 200 || status == 204) << "kind " << i % 3 << ": " << status;
    delays_ms.push_back(static_cast<double>(UntilRefused(1, t.access, acked).count()) / 1000.0);
    // C receives the same message independently: it may trail B by a fraction of a millisecond.
    EXPECT_LT(UntilRefused(2, t.access, acked), kStalenessBound);
    EXPECT_EQ(Me(port(0), t.access), 401);
  }
  std::sort(delays_ms.begin(), delays_ms.end());
  const double p50 = delays_ms[delays_ms.size() / 2];
  const double p99 = delays_ms[(delays_ms.size() * 99) / 100];
  std::printf("propagation A->B over %d samples: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", kSamples,
              p50, p99, delays_ms.back());
  // The target (p99 <= 50 ms on loopback) is a benchmark figure recorded in docs/benchmarks.md;
  // here, with ctest running other suites on the same two cores, only a loose guard that still
  // fails if propagation fell back to the staleness bound (1 s) instead of the bus.
  EXPECT_LE(p99, 250.0);
}

TEST_F(MultiNodeTest, RedisDownNoNodeAcceptsARevokedTokenAndRestartResyncs) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(WaitInSync(i));
  Register("alice");
  Tokens before = Login(0, "alice");
  ASSERT_EQ(Revoke(0, 0, before), 204);
  ASSERT_LT(UntilRefused(1, before.access, Clock::now()), kStalenessBound);

  // A checker hammers B and C with every token whose revocation was acknowledged: none may be
  // accepted once its deadline passed — at once while the bus is down (the store check), within
  // the staleness bound otherwise.
  struct Revoked {
    std::string access;
    Clock::time_point deadline;
  };
  std::vector<Revoked> revoked{{before.access, Clock::now()}};
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0}, checks{0};
  std::mutex mu;
  std::thread checker([&] {
    while (!stop) {
      std::vector<Revoked> snapshot;
      {
        std::lock_guard lock(mu);
        snapshot = revoked;
      }
      for (const Revoked& r : snapshot) {
        for (int node : {1, 2}) {
          const auto asked = Clock::now();
          if (Me(port(node), r.access) == 200 && asked >= r.deadline) ++accepted;
          ++checks;
        }
      }
    }
  });

  redis_->Kill();
  ASSERT_TRUE(WaitNotInSync(1));
  Tokens live = Login(0, "alice");           // the store still works: sessions start
  ASSERT_EQ(Me(port(1), live.access), 200);  // a stale view in check mode still serves
  ASSERT_EQ(Revoke(0, 0, live), 204);        // acknowledged while the bus is down
  const auto acked = Clock::now();
  {
    std::lock_guard lock(mu);
    revoked.push_back({live.access, acked});  // refused from the acknowledgement on
  }
  // Via the store check: refused well inside the staleness bound (typically a few ms).
  EXPECT_LT(UntilRefused(1, live.access, acked), kStalenessBound);
  EXPECT_LT(UntilRefused(2, live.access, acked), kStalenessBound);
  EXPECT_NE(ReadyState(1), "in_sync");

  std::this_thread::sleep_for(300ms);
  std::string error;
  ASSERT_TRUE(redis_->Restart(&error)) << error;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(WaitInSync(i)) << "node " << i;
  Tokens after = Login(0, "alice");
  ASSERT_EQ(Me(port(2), after.access), 200);
  ASSERT_EQ(Revoke(0, 2, after), 200);
  const auto acked2 = Clock::now();
  {
    std::lock_guard lock(mu);
    revoked.push_back({after.access, acked2 + kStalenessBound});
  }
  EXPECT_LT(UntilRefused(2, after.access, acked2), kStalenessBound);  // over the bus again
  std::this_thread::sleep_for(200ms);
  stop = true;
  checker.join();
  EXPECT_EQ(accepted, 0) << "of " << checks << " checks";
  EXPECT_GT(checks, 10);
}

TEST_F(MultiNodeTest, NodeKilledRightAfterAcknowledgingLosesNothing) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(WaitInSync(i));
  Register("bob");
  std::vector<Tokens> revoked;
  for (int i = 0; i < 20; ++i) {
    Tokens t = Login(0, "bob");
    ASSERT_EQ(Revoke(0, 0, t), 204);
    revoked.push_back(t);
  }
  nodes_[0]->Kill();  // SIGKILL: whatever was still queued for the bus is gone
  const auto killed = Clock::now();
  for (const Tokens& t : revoked) {
    EXPECT_LT(UntilRefused(1, t.access, killed), kStalenessBound);
    EXPECT_LT(UntilRefused(2, t.access, killed), kStalenessBound);
  }
  nodes_[0]->Restart();
  for (const Tokens& t : revoked) EXPECT_EQ(Me(port(0), t.access), 401);
}

TEST_F(MultiNodeTest, RefreshRaceAcrossTwoNodesLeavesAtMostOneSuccessor) {
  Register("carol");
  for (int round = 0; round < 20; ++round) {
    Tokens t = Login(0, "carol");
    std::atomic<int> ready{0};
    std::string results[2];
    int statuses[2] = {0, 0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 2; ++n) {
      threads.emplace_back([&, n] {
        ++ready;
        while (ready < 2) {
        }
        auto r = HttpClient(port(n)).PostForm(
            "/oauth/token", "grant_type=refresh_token&refresh_token=" + t.refresh);
        statuses[n] = r.status;
        if (r.status == 200)
          results[n] = std::string(r.Json().as_object().at("refresh_token").as_string());
      });
    }
    for (auto& th : threads) th.join();
    std::vector<std::string> successors;
    for (int n = 0; n < 2; ++n) {
      if (statuses[n] == 200)
        successors.push_back(results[n]);
      else
        EXPECT_EQ(statuses[n], 400);  // invalid_grant (RFC 6749 §5.2)
    }
    // Grace is off: the loser is reuse, which ends the family — the winner's successor too.
    ASSERT_LE(successors.size(), 1u) << "two live successors in round " << round;
    if (successors.size() == 1) {
      auto again = HttpClient(port(2)).PostForm(
          "/oauth/token", "grant_type=refresh_token&refresh_token=" + successors[0]);
      EXPECT_EQ(again.status, 400) << "the family survived a detected reuse";
    }
  }
}

}  // namespace
}  // namespace jwtd::testing
