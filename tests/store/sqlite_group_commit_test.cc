// Group commit of the SQLite store (src/store/sqlite/group_commit.h): concurrent Transacts share
// one COMMIT, and a body that fails inside a shared transaction is undone alone.
#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include "store/sqlite/group_commit.h"
#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

class SqliteGroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore({.path = dir_.File("jwtd.db")}, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(*opened);
  }

  // Runs `bodies` from one thread each while the store's writer is busy with a first Transact
  // that returns only once every other thread is about to call Transact (plus a margin), so
  // they queue behind it and the next leader takes them as one batch. Returns the results.
  std::vector<Result<void>> RunQueuedBehindABlocker(
      const std::vector<std::function<Result<void>(auth::StoreTx&)>>& bodies) {
    std::atomic<int> ready{0};
    std::atomic<bool> blocker_inside{false};
    const int n = static_cast<int>(bodies.size());
    std::thread blocker([&] {
      Result<void> r = store_->Transact([&](auth::StoreTx& tx) -> Result<void> {
        blocker_inside = true;
        while (ready.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // they reach the queue
        auto e = tx.AppendRevocation(MakeRevocation("blocker", kNow + 3600));
        return e.ok() ? Ok() : Result<void>(e.error());
      });
      EXPECT_TRUE(r.ok());
    });
    while (!blocker_inside.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::vector<Result<void>> results(bodies.size());
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        results[i] = store_->Transact(bodies[i]);
      });
    }
    for (auto& t : threads) t.join();
    blocker.join();
    return results;
  }

  std::set<std::string> RevokedKeys() {
    auto entries = store_->revocation_log().ReadRevocations(0, kNow, 1000);
    EXPECT_TRUE(entries.ok());
    std::set<std::string> keys;
    if (entries.ok()) {
      for (const auto& e : *entries) keys.insert(e.key);
    }
    return keys;
  }

  bool UserExists(const std::string& name) {
    bool found = false;
    Result<void> r = store_->Transact([&](auth::StoreTx& tx) -> Result<void> {
      auto user = tx.FindUserByName(name);
      if (!user.ok()) return user.error();
      found = user->has_value();
      return Ok();
    });
    EXPECT_TRUE(r.ok());
    return found;
  }

  TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<auth::Store> store_;
};

std::function<Result<void>(auth::StoreTx&)> AddUserAndJti(const std::string& name) {
  return [name](auth::StoreTx& tx) -> Result<void> {
    auto user = tx.InsertUser(name, "hash-" + name, kNow);
    if (!user.ok()) return user.error();
    auto e = tx.AppendRevocation(MakeRevocation("jti-" + name, kNow + 3600));
    if (!e.ok()) return e.error();
    return Ok();
  };
}

TEST_F(SqliteGroupCommitTest, ConcurrentTransactsShareCommits) {
  constexpr int kWriters = 16;
  std::vector<std::function<Result<void>(auth::StoreTx&)>> bodies;
  for (int i = 0; i < kWriters; ++i) bodies.push_back(AddUserAndJti("user" + std::to_string(i)));
  const std::int64_t before = sqlite::CommitCount(*store_);
  ASSERT_GE(before, 0);

  auto results = RunQueuedBehindABlocker(bodies);

  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.error().message();
  const std::int64_t commits = sqlite::CommitCount(*store_) - before;
  // The blocker's commit and the queued writers' shared ones: far fewer than one per writer.
  EXPECT_LT(commits, kWriters);
  EXPECT_GE(commits, 2);
  const auto keys = RevokedKeys();
  for (int i = 0; i < kWriters; ++i) EXPECT_EQ(keys.count("jti-user" + std::to_string(i)), 1U);
  EXPECT_EQ(keys.count("blocker"), 1U);
}

TEST_F(SqliteGroupCommitTest, FailingBodyIsUndoneAloneAndTheRestOfItsBatchCommits) {
  // "taken" exists before, so the unique-key insert in body 3 fails inside SQLite.
  ASSERT_TRUE(store_->Transact(AddUserAndJti("taken")).ok());
  std::vector<std::function<Result<void>(auth::StoreTx&)>> bodies = {
      AddUserAndJti("first"),
      // Writes, then fails by its own decision: its writes must vanish, not the others'.
      [](auth::StoreTx& tx) -> Result<void> {
        JWTD_RETURN_IF_ERROR(AddUserAndJti("doomed")(tx));
        return Error(Code::kAborted, Reason::kBadRequest, "the domain said no");
      },
      // Writes, then hits a real SQLite constraint error.
      [](auth::StoreTx& tx) -> Result<void> {
        auto e = tx.AppendRevocation(MakeRevocation("jti-before-duplicate", kNow + 3600));
        if (!e.ok()) return e.error();
        auto user = tx.InsertUser("taken", "hash", kNow);
        return user.ok() ? Ok() : Result<void>(user.error());
      },
      // Throws after writing: the leader survives and only this caller fails.
      [](auth::StoreTx& tx) -> Result<void> {
        JWTD_RETURN_IF_ERROR(AddUserAndJti("thrower")(tx));
        throw std::runtime_error("body bug");
      },
      AddUserAndJti("last"),
  };
  const std::int64_t before = sqlite::CommitCount(*store_);

  auto results = RunQueuedBehindABlocker(bodies);

  EXPECT_TRUE(results[0].ok());
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().code(), Code::kAborted);
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code(), Code::kAlreadyExists);
  ASSERT_FALSE(results[3].ok());
  EXPECT_EQ(results[3].error().code(), Code::kInternal);
  EXPECT_TRUE(results[4].ok());
  // The five bodies ran in a shared transaction (else 1 + 5 commits).
  EXPECT_LE(sqlite::CommitCount(*store_) - before, 3);

  const auto keys = RevokedKeys();
  EXPECT_EQ(keys.count("jti-first"), 1U);
  EXPECT_EQ(keys.count("jti-last"), 1U);
  EXPECT_EQ(keys.count("jti-doomed"), 0U);
  EXPECT_EQ(keys.count("jti-before-duplicate"), 0U);
  EXPECT_EQ(keys.count("jti-thrower"), 0U);
  EXPECT_TRUE(UserExists("first"));
  EXPECT_TRUE(UserExists("last"));
  EXPECT_FALSE(UserExists("doomed"));
  EXPECT_FALSE(UserExists("thrower"));
}

TEST_F(SqliteGroupCommitTest, CommitCountIsMinusOneForAnotherStore) {
  auto memory = NewMemoryStore();
  EXPECT_EQ(sqlite::CommitCount(*memory), -1);
}

}  // namespace
}  // namespace jwtd::store::testing
