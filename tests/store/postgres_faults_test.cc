// PostgreSQL store under faults, on the binary's shared real server: a server restart or crash
// heals without reopening the store, commits survive a crash, and every failure maps to the
// store's error codes without leaking row data or the password.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::StoreTx;
using ::jwtd::testing::PostgresEnvironment;
using ::jwtd::testing::PostgresServer;

constexpr std::int64_t kNow = 1'700'000'000;

class PostgresFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = PostgresEnvironment::Server();
    ASSERT_NE(server_, nullptr);
    url_ = PostgresEnvironment::FreshSchemaUrl();
    ASSERT_FALSE(url_.empty());
  }

  Result<std::unique_ptr<auth::Store>> Open(const std::string& url, int statement_timeout_ms,
                                            int connect_timeout_s = 5) {
    return OpenPostgresStore({.url = url,
                              .connect_timeout_s = connect_timeout_s,
                              .statement_timeout_ms = statement_timeout_ms},
                             &clock_);
  }

  static Result<void> AppendJti(auth::Store& store, const std::string& jti) {
    auth::RevocationEntry e = MakeRevocation(jti, kNow + 3600);  // its seq set at commit
    return store.Transact(
        [&](StoreTx& tx) -> Result<void> { return tx.AppendRevocation(e, &e.seq); });
  }

  // Several reads at once, so the pool holds several idle connections for a restart to break.
  static void WarmPool(auth::Store& store) {
    std::vector<std::future<bool>> reads;
    for (int i = 0; i < 6; ++i) {
      reads.push_back(std::async(std::launch::async, [&store] {
        return store.revocation_log().ReadRevocations(0, kNow, 10).ok() && store.Ping().ok();
      }));
    }
    for (auto& r : reads) EXPECT_TRUE(r.get());
  }

  ManualClock clock_{kNow};
  PostgresServer* server_ = nullptr;
  std::string url_;
};

TEST_F(PostgresFaultsTest, ServerRestartHealsWithoutReopeningTheStore) {
  auto store = Open(url_, 5000);
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE(AppendJti(**store, "before").ok());
  WarmPool(**store);

  std::string error;
  ASSERT_TRUE(server_->Restart(&error)) << error;
  // Every pooled connection is dead now. A stale one met at BEGIN is replaced (nothing was sent
  // on it), so even the first transaction goes through; a later one must in any case.
  Result<void> first = AppendJti(**store, "after-1");
  if (!first.ok()) {
    EXPECT_EQ(first.error().code(), Code::kUnavailable) << first.error().message();
  }
  Result<void> later = AppendJti(**store, "after-2");
  ASSERT_TRUE(later.ok()) << later.error().message();
  EXPECT_TRUE(first.ok()) << "measured: the first transaction after a restart failed: "
                          << first.error().message();
  JWTD_EXPECT_OK((*store)->Ping());
  auto log = (*store)->revocation_log().ReadRevocations(0, kNow, 10);
  ASSERT_TRUE(log.ok()) << log.error().message();
  ASSERT_GE(log->size(), 2u);
  EXPECT_EQ((*log)[0].key, "before");
  EXPECT_EQ(log->back().key, "after-2");
}

TEST_F(PostgresFaultsTest, CommittedWritesSurviveAServerCrash) {
  auto store = Open(url_, 5000);
  ASSERT_TRUE(store.ok()) << store.error().message();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendJti(**store, std::to_string(i)).ok());
  server_->Kill();  // SIGKILL: no shutdown checkpoint, recovery replays the WAL
  auto down = (*store)->revocation_log().ReadRevocations(0, kNow, 100);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), Code::kUnavailable);
  EXPECT_EQ(down.error().reason(), Reason::kStoreUnavailable);

  std::string error;
  ASSERT_TRUE(server_->Restart(&error)) << error;
  auto log = (*store)->revocation_log().ReadRevocations(0, kNow, 100);
  ASSERT_TRUE(log.ok()) << log.error().message();
  EXPECT_EQ(log->size(), 20u);
  auto max = (*store)->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, 20);
}

TEST_F(PostgresFaultsTest, UnreachableServerIsUnavailableAndNeverShowsThePassword) {
  const int closed_port = ::jwtd::testing::FreeLoopbackPort();
  std::string url = "postgresql://jwtd:s3cret-pw@127.0.0.1:";
  url += std::to_string(closed_port);
  url += "/jwtd_test";
  const auto start = std::chrono::steady_clock::now();
  auto store = Open(url, 5000, /*connect_timeout_s=*/2);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
  EXPECT_EQ(store.error().reason(), Reason::kStoreUnavailable);
  EXPECT_EQ(store.error().message().find("s3cret-pw"), std::string::npos)
      << store.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  auto no_db = Open(server_->UrlFor("no_such_database"), 5000);
  ASSERT_FALSE(no_db.ok());
  EXPECT_EQ(no_db.error().code(), Code::kUnavailable);
  auto empty = OpenPostgresStore({}, &clock_);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), Code::kInvalidArgument);
}

// A lock held past statement_timeout ends the waiter with kUnavailable (not a hang).
TEST_F(PostgresFaultsTest, LockWaitPastTheStatementTimeoutIsUnavailable) {
  auto store = Open(url_, 300);
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)
                  ->Transact([](StoreTx& tx) -> Result<void> {
                    auto u = tx.InsertUser("alice", "h", kNow);
                    if (!u.ok()) return u.error();
                    return tx.InsertSession(MakeSession("sid", u->id, kNow));
                  })
                  .ok());
  std::promise<void> locked;
  auto holder = std::async(std::launch::async, [&] {
    return (*store)->Transact([&](StoreTx& tx) -> Result<void> {
      auto s = tx.LockSession("sid");
      locked.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
      if (!s.ok()) return s.error();
      return Ok();
    });
  });
  locked.get_future().wait();
  Result<void> waiter = (*store)->Transact([](StoreTx& tx) -> Result<void> {
    auto s = tx.LockSession("sid");
    if (!s.ok()) return s.error();
    return Ok();
  });
  ASSERT_FALSE(waiter.ok());
  EXPECT_EQ(waiter.error().code(), Code::kUnavailable) << waiter.error().message();
  EXPECT_NE(waiter.error().message().find("57014"), std::string::npos);
  EXPECT_TRUE(holder.get().ok());
}

// PostgreSQL aborts the whole transaction at a failed statement: a fn that ignores the error
// and returns ok must not be told "committed".
TEST_F(PostgresFaultsTest, SwallowedStatementErrorStillFailsTheTransaction) {
  auto store = Open(url_, 5000);
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)
                  ->Transact([](StoreTx& tx) -> Result<void> {
                    auto u = tx.InsertUser("taken", "h", kNow);
                    if (!u.ok()) return u.error();
                    return Ok();
                  })
                  .ok());
  bool later_statement_failed = false;
  Result<void> r = (*store)->Transact([&](StoreTx& tx) -> Result<void> {
    (void)tx.InsertUser("fresh", "h", kNow);
    (void)tx.InsertUser("taken", "h", kNow);  // fails; ignored
    auto next = tx.FindUserByName("fresh");
    later_statement_failed = !next.ok();
    return Ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kAlreadyExists);
  EXPECT_TRUE(later_statement_failed);
  ASSERT_TRUE((*store)
                  ->Transact([](StoreTx& tx) -> Result<void> {
                    auto fresh = tx.FindUserByName("fresh");
                    EXPECT_TRUE(fresh.ok() && !fresh->has_value()) << "rolled back";
                    return Ok();
                  })
                  .ok());
}

// Text columns hold UTF-8 without NUL: such a name cannot be stored, and looking it up finds
// nothing instead of failing (a login with a garbage name is "bad credentials", not a 500).
TEST_F(PostgresFaultsTest, NamesThatAreNotUtf8AreRefusedAndNeverFound) {
  auto store = Open(url_, 5000);
  ASSERT_TRUE(store.ok()) << store.error().message();
  const std::string nul_inside("alice\0x", 7);
  ASSERT_TRUE((*store)
                  ->Transact([](StoreTx& tx) -> Result<void> {
                    auto u = tx.InsertUser("alice", "h", kNow);
                    if (!u.ok()) return u.error();
                    return Ok();
                  })
                  .ok());
  for (const std::string& bad : {std::string("\xff\xfe"), nul_inside}) {
    Result<void> insert = (*store)->Transact([&](StoreTx& tx) -> Result<void> {
      auto u = tx.InsertUser(bad, "h", kNow);
      if (!u.ok()) return u.error();
      return Ok();
    });
    ASSERT_FALSE(insert.ok());
    EXPECT_EQ(insert.error().code(), Code::kInvalidArgument) << insert.error().message();
    ASSERT_TRUE((*store)
                    ->Transact([&](StoreTx& tx) -> Result<void> {
                      auto found = tx.FindUserByName(bad);
                      EXPECT_TRUE(found.ok() && !found->has_value());  // "alice\0x" != "alice"
                      return Ok();
                    })
                    .ok());
  }
}

}  // namespace
}  // namespace jwtd::store::testing
