// The shared DPoP replay ledger against a real redis-server: exactly one of many concurrent
// claims of a proof wins, keys expire after their ttl, Redis down refuses claims (fast, not one
// connect timeout each) and a restart is picked up, a hung Redis refuses within the command
// timeout; through DpopGuard, a proof accepted by one
// node's guard is refused by another's.
#include "jwtd/store/redis_replay_ledger.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/dpop.h"
#include "jwtd/jose/key.h"
#include "support/redis_server.h"

namespace jwtd::store {
namespace {

using namespace std::chrono_literals;

class RedisReplayLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = testing::RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;  // a missing redis-server fails, never skips
  }
  // Timeouts of 2 s: a loaded machine must not fail a test that is not about them.
  std::unique_ptr<RedisReplayLedger> Open(std::string prefix = "test:dpop:",
                                          std::int64_t timeout_ms = 2000) {
    RedisReplayLedgerOptions o;
    o.url = redis_->url();
    o.prefix = std::move(prefix);
    o.connect_timeout_ms = timeout_ms;
    o.command_timeout_ms = timeout_ms;
    auto ledger = OpenRedisReplayLedger(o);
    EXPECT_TRUE(ledger.ok()) << ledger.error().message();
    return ledger.ok() ? std::move(*ledger) : nullptr;
  }
  // Claims `key` once the ledger reaches Redis again (within 10 s): the first answer.
  static Result<bool> ClaimOnceRedisAnswers(RedisReplayLedger& ledger, const std::string& key) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    Result<bool> claimed = Error(Code::kUnavailable, Reason::kStoreUnavailable, "not yet");
    while (!claimed.ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
      claimed = ledger.Claim(key, 60);
    }
    return claimed;
  }
  std::unique_ptr<testing::RedisServer> redis_;
};

TEST_F(RedisReplayLedgerTest, FirstClaimWinsAndEveryLaterOneIsRefused) {
  auto a = Open();
  auto b = Open();
  auto first = a->Claim("proof-1", 60);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  for (auto* ledger : {a.get(), b.get()}) {
    auto again = ledger->Claim("proof-1", 60);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
  }
  auto other = b->Claim("proof-2", 60);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(*other);
  EXPECT_EQ(a->Stats().claimed, 1u);
  EXPECT_EQ(a->Stats().seen, 1u);
  EXPECT_EQ(b->Stats().seen, 1u);
}

TEST_F(RedisReplayLedgerTest, ConcurrentClaimsOfOneProofHaveExactlyOneWinner) {
  std::vector<std::unique_ptr<RedisReplayLedger>> nodes;
  for (int i = 0; i < 4; ++i) nodes.push_back(Open());
  constexpr int kProofs = 200;
  constexpr int kThreads = 8;
  std::vector<std::atomic<int>> winners(kProofs);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int p = 0; p < kProofs; ++p) {
        auto won = nodes[t % nodes.size()]->Claim("race-" + std::to_string(p), 60);
        if (!won.ok()) {
          failures.fetch_add(1);
        } else if (*won) {
          winners[p].fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int p = 0; p < kProofs; ++p) EXPECT_EQ(winners[p].load(), 1) << "proof " << p;
}

TEST_F(RedisReplayLedgerTest, APrefixKeepsDeploymentsApart) {
  auto a = Open("one:dpop:");
  auto b = Open("two:dpop:");
  EXPECT_TRUE(*a->Claim("same", 60));
  EXPECT_TRUE(*b->Claim("same", 60));
}

TEST_F(RedisReplayLedgerTest, AClaimIsForgottenAfterItsTtl) {
  auto ledger = Open();
  EXPECT_TRUE(*ledger->Claim("short", 1));
  EXPECT_FALSE(*ledger->Claim("short", 1));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool forgotten = false;
  while (!forgotten && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    auto again = ledger->Claim("short", 1);
    ASSERT_TRUE(again.ok());
    forgotten = *again;
  }
  EXPECT_TRUE(forgotten) << "the key outlived its ttl by seconds";
}

TEST_F(RedisReplayLedgerTest, RedisDownRefusesClaimsQuicklyAndARestartIsPickedUp) {
  auto ledger = Open();
  EXPECT_TRUE(*ledger->Claim("before", 60));
  redis_->Stop();
  auto down = ledger->Claim("during", 60);  // the pooled connection breaks
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), Code::kUnavailable);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    auto refused = ledger->Claim("during-" + std::to_string(i), 60);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), Code::kUnavailable);
  }
  // Bounded by the failure back-off, not 100 connect attempts in a row.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  EXPECT_GE(ledger->Stats().failures, 101u);
  std::string error;
  ASSERT_TRUE(redis_->Restart(&error)) << error;
  auto after = ClaimOnceRedisAnswers(*ledger, "after");
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_TRUE(*after);
}

// A Redis that hangs (SIGSTOP: sockets open, no answer) refuses each claim within about the
// command timeout, not forever; once it answers again claims are recorded as before.
TEST_F(RedisReplayLedgerTest, AHungRedisRefusesWithinTheCommandTimeoutAndRecovers) {
  auto ledger = Open("test:dpop:", 500);
  EXPECT_TRUE(*ledger->Claim("before", 60));
  redis_->Pause();
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto hung = ledger->Claim("hung-" + std::to_string(i), 60);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(hung.ok());
    EXPECT_EQ(hung.error().code(), Code::kUnavailable);
    EXPECT_LT(took, 5s) << "a claim waited far beyond the command timeout";
  }
  redis_->Resume();
  auto after = ClaimOnceRedisAnswers(*ledger, "after-hang");
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_TRUE(*after);
  EXPECT_FALSE(*ledger->Claim("before", 60));  // what was recorded before the hang still is
}

// A pooled connection Redis closed while idle (a restart) is not used for a claim: the first
// claim after the restart is answered, not refused with a broken connection.
TEST_F(RedisReplayLedgerTest, AConnectionClosedWhileIdleIsNotReused) {
  auto ledger = Open();
  ASSERT_TRUE(*ledger->Claim("before-restart", 60));
  std::string error;
  ASSERT_TRUE(redis_->Restart(&error)) << error;
  auto first = ledger->Claim("after-restart", 60);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  EXPECT_EQ(ledger->Stats().failures, 0u);
}

// The db number of the URL is the ledger's database (pub/sub ignores it; keys do not).
TEST_F(RedisReplayLedgerTest, TheUrlsDbNumberIsTheLedgersDatabase) {
  RedisReplayLedgerOptions o;
  o.url = redis_->url() + "/3";
  o.prefix = "db:";
  auto ledger = OpenRedisReplayLedger(o);
  ASSERT_TRUE(ledger.ok()) << ledger.error().message();
  ASSERT_TRUE(*(*ledger)->Claim("k", 60));
  redisContext* c = redisConnect("127.0.0.1", redis_->port());
  ASSERT_TRUE(c != nullptr && c->err == 0);
  auto exists = [&](int db) {
    freeReplyObject(redisCommand(c, "SELECT %d", db));
    auto* r = static_cast<redisReply*>(redisCommand(c, "EXISTS db:k"));
    const long long n = r != nullptr && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return n;
  };
  EXPECT_EQ(exists(3), 1);
  EXPECT_EQ(exists(0), 0);
  redisFree(c);
}

TEST_F(RedisReplayLedgerTest, BadOptionsAreRefused) {
  RedisReplayLedgerOptions o;
  o.url = "http://nope";
  EXPECT_EQ(OpenRedisReplayLedger(o).error().code(), Code::kInvalidArgument);
  o.url = redis_->url() + "/x";
  EXPECT_EQ(OpenRedisReplayLedger(o).error().code(), Code::kInvalidArgument);
  o.url = redis_->url();
  o.prefix.clear();
  EXPECT_EQ(OpenRedisReplayLedger(o).error().code(), Code::kInvalidArgument);
  o.prefix = "p:";
  o.max_connections = 0;
  EXPECT_EQ(OpenRedisReplayLedger(o).error().code(), Code::kInvalidArgument);
}

// Two nodes' guards over one ledger: the proof node A accepted is a replay on node B, although
// B's own cache has never seen it; without the ledger B would accept it.
TEST_F(RedisReplayLedgerTest, AProofAcceptedByOneNodesGuardIsAReplayOnAnother) {
  auto ledger = Open();
  ManualClock clock(1'800'000'000);
  auth::DpopGuardOptions o;
  o.mode = auth::DpopMode::kOptional;
  o.shared_replay = ledger.get();
  auto a = auth::DpopGuard::Create(o, &clock);
  auto b = auth::DpopGuard::Create(o, &clock);
  o.shared_replay = nullptr;
  auto alone = auth::DpopGuard::Create(o, &clock);
  ASSERT_TRUE(a.ok() && b.ok() && alone.ok());
  EXPECT_TRUE((*a)->shares_replay());
  auto key = jose::Key::Generate(jose::Alg::kES256);
  ASSERT_TRUE(key.ok());
  const std::string uri = "https://api.example/v1/me";
  auto proof = jose::SignDpopProof(**key, "GET", uri, clock.NowSeconds(), "jti-1");
  ASSERT_TRUE(proof.ok());
  const jose::DpopRequest request{"GET", uri, {}};
  auto on_a = (*a)->Check(*proof, request);
  ASSERT_TRUE(on_a.ok()) << on_a.error().message();
  auto on_b = (*b)->Check(*proof, request);
  ASSERT_FALSE(on_b.ok());
  EXPECT_EQ(on_b.error().reason(), Reason::kDpopReplayed);
  EXPECT_TRUE((*alone)->Check(*proof, request).ok());  // what B would do without the ledger
  // CheckHere alone (the I/O thread's half) does not see another node's use: Claim does.
  auto here = (*b)->CheckHere(*jose::SignDpopProof(**key, "GET", uri, clock.NowSeconds(), "jti-2"),
                              request);
  ASSERT_TRUE(here.ok());
  EXPECT_EQ(here->replay_key.size(), 22u);
  EXPECT_TRUE((*b)->Claim(*here).ok());
  EXPECT_EQ((*a)->Claim(*here).error().reason(), Reason::kDpopReplayed);
  redis_->Stop();
  auto fresh =
      (*a)->Check(*jose::SignDpopProof(**key, "GET", uri, clock.NowSeconds(), "jti-3"), request);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.error().code(), Code::kUnavailable);
  EXPECT_EQ(fresh.error().retry_after_seconds(), 1);
}

}  // namespace
}  // namespace jwtd::store
