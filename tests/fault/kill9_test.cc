// A node killed with SIGKILL (a crash, a power cut of the process) in the middle of parallel
// logins, refreshes and logouts, then started again on the same store: every acknowledged
// revocation is still refused, no refresh family forked (at most one live successor each), and
// every session a client still holds is usable or consistently ended, and the revocation log
// has no hole a follower could never fill (group commit: a killed batch rolls back whole). Once
// on the embedded SQLite file, once on PostgreSQL with the Redis bus.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "fault_load.h"
#include "jwtd_process.h"
#include "store_audit.h"
#include "support/postgres_environment.h"
#include "support/redis_server.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;

static auto* const pg_env = PostgresEnvironment::Register();

enum class Backend { kSqlite, kPostgresRedis };

class KillNineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) return;
    store_url_ = PostgresEnvironment::FreshDatabaseUrl();
    ASSERT_FALSE(store_url_.empty());
    std::string error;
    redis_ = RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;
  }
  std::vector<std::string> Args() const {
    if (store_url_.empty()) return {};
    return {"--set", "store.url=" + store_url_, "--set", "bus.url=" + redis_->url()};
  }
  int ForkedFamilies() const {
    return store_url_.empty() ? ForkedFamiliesInSqlite(data_dir_ + "/jwtd.db")
                              : ForkedFamiliesInPostgres(store_url_);
  }
  int LogHoles() const {
    return store_url_.empty() ? LogHolesInSqlite(data_dir_ + "/jwtd.db")
                              : LogHolesInPostgres(store_url_);
  }

  TempDir dir_;
  std::string data_dir_ = dir_.path() + "/data";
  std::string store_url_;
  std::unique_ptr<RedisServer> redis_;
};

TEST_P(KillNineTest, UnderLoadNothingAcknowledgedIsLostAndNoFamilyForks) {
  JwtdServer node(data_dir_, Args());
  std::atomic<std::uint16_t> port{node.port()};
  Load load({.workers = 4, .nodes = {&port}, .connection_loss_expected = true});
  load.Start();
  for (int kill = 0; kill < 2; ++kill) {
    EXPECT_TRUE(load.WaitForAcknowledged(load.acknowledged() + 10));
    const int acked_before = load.acknowledged();
    node.Kill();  // SIGKILL mid-request: commits in flight either land whole or not at all
    std::this_thread::sleep_for(100ms);
    node.Restart();  // same data dir and store, a new port
    port = node.port();
    EXPECT_GT(load.acknowledged(), acked_before - 1);
  }
  ASSERT_TRUE(WaitReady(port)) << node.Output();
  EXPECT_TRUE(load.WaitForAcknowledged(load.acknowledged() + 10)) << "no progress after restart";
  load.Stop();

  for (const auto& [key, count] : load.Statuses()) std::printf("  %-24s %d\n", key.c_str(), count);
  for (const std::string& bad : load.BadStatuses()) ADD_FAILURE() << "unexpected " << bad;
  for (const std::string& v : load.Violations()) ADD_FAILURE() << v;
  EXPECT_GT(load.acknowledged(), 10);
  EXPECT_GT(load.successful_refreshes(), 10);
  const int live_sessions = load.Audit(port);
  EXPECT_EQ(ForkedFamilies(), 0) << "a refresh family with two live successors";
  // Once more from a cold start: what the audit saw was durable, not held in memory.
  node.Kill();
  node.Restart();
  port = node.port();
  ASSERT_TRUE(WaitReady(port));
  EXPECT_EQ(load.Audit(port), live_sessions);
  EXPECT_EQ(ForkedFamilies(), 0);
  // Batches killed mid-way left no hole in the log (their counter moves rolled back with them).
  EXPECT_EQ(LogHoles(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, KillNineTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgresRedis),
                         [](const auto& param_info) {
                           return param_info.param == Backend::kSqlite ? "Sqlite" : "PostgresRedis";
                         });

}  // namespace
}  // namespace jwtd::testing
