// Group commit of the SQLite and PostgreSQL stores (src/store/sqlite/group_commit.h,
// src/store/postgres/group_commit.h): concurrent Transacts share one COMMIT, and a body that
// fails inside a shared transaction is undone alone, with the log entries it appended.
#include "store/sqlite/group_commit.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "jwtd/store/postgres_store.h"
#include "store/postgres/commit_count.h"
#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// A store with a single write lane (SQLite's writer; one PostgreSQL batch in flight), so that
// callers arriving while a batch runs queue up for the next one, and its commit counter.
struct GroupCommitStore {
  std::string name;
  std::function<std::unique_ptr<auth::Store>(const TempDir&, const Clock*)> open;
  std::function<std::int64_t(auth::Store&)> commits;
};

std::vector<GroupCommitStore> GroupCommitStores() {
  return {
      {"sqlite",
       [](const TempDir& dir, const Clock* clock) -> std::unique_ptr<auth::Store> {
         auto store = OpenSqliteStore({.path = dir.File("jwtd.db")}, clock);
         return store.ok() ? std::move(*store) : nullptr;
       },
       [](auth::Store& store) { return sqlite::CommitCount(store); }},
      {"postgres",
       [](const TempDir&, const Clock* clock) -> std::unique_ptr<auth::Store> {
         const std::string url = ::jwtd::testing::PostgresEnvironment::FreshSchemaUrl();
         if (url.empty()) return nullptr;
         auto store = OpenPostgresStore({.url = url, .write_lanes = 1}, clock);
         return store.ok() ? std::move(*store) : nullptr;
       },
       [](auth::Store& store) { return postgres::CommitCount(store); }},
  };
}

class GroupCommitTest : public ::testing::TestWithParam<GroupCommitStore> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_, &clock_);
    ASSERT_NE(store_, nullptr);
  }

  std::int64_t Commits() { return GetParam().commits(*store_); }

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
        return Append(tx, "blocker");
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

  // Appends a jti entry; the entry lives in the fixture, since PostgreSQL sets its seq at the
  // commit (ports.h).
  Result<void> Append(auth::StoreTx& tx, const std::string& key) {
    std::lock_guard lock(entries_mu_);
    auth::RevocationEntry& e = entries_.emplace_back(MakeRevocation(key, kNow + 3600));
    return tx.AppendRevocation(e, &e.seq);
  }

  std::function<Result<void>(auth::StoreTx&)> AddUserAndJti(const std::string& name) {
    return [this, name](auth::StoreTx& tx) -> Result<void> {
      auto user = tx.InsertUser(name, "hash-" + name, kNow);
      if (!user.ok()) return user.error();
      return Append(tx, "jti-" + name);
    };
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
  std::mutex entries_mu_;
  std::deque<auth::RevocationEntry> entries_;  // guarded by entries_mu_
};

TEST_P(GroupCommitTest, ConcurrentTransactsShareCommits) {
  constexpr int kWriters = 16;
  std::vector<std::function<Result<void>(auth::StoreTx&)>> bodies;
  for (int i = 0; i < kWriters; ++i) bodies.push_back(AddUserAndJti("user" + std::to_string(i)));
  const std::int64_t before = Commits();
  ASSERT_GE(before, 0);

  auto results = RunQueuedBehindABlocker(bodies);

  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.error().message();
  const std::int64_t commits = Commits() - before;
  // The blocker's commit and the queued writers' shared ones: far fewer than one per writer.
  EXPECT_LT(commits, kWriters);
  EXPECT_GE(commits, 2);
  const auto keys = RevokedKeys();
  for (int i = 0; i < kWriters; ++i) EXPECT_EQ(keys.count("jti-user" + std::to_string(i)), 1U);
  EXPECT_EQ(keys.count("blocker"), 1U);
}

TEST_P(GroupCommitTest, FailingBodyIsUndoneAloneAndTheRestOfItsBatchCommits) {
  // "taken" exists before, so the unique-key insert in body 3 fails inside SQLite.
  ASSERT_TRUE(store_->Transact(AddUserAndJti("taken")).ok());
  std::vector<std::function<Result<void>(auth::StoreTx&)>> bodies = {
      AddUserAndJti("first"),
      // Writes, then fails by its own decision: its writes must vanish, not the others'.
      [this](auth::StoreTx& tx) -> Result<void> {
        JWTD_RETURN_IF_ERROR(AddUserAndJti("doomed")(tx));
        return Error(Code::kAborted, Reason::kBadRequest, "the domain said no");
      },
      // Writes, then hits a real constraint error of the database.
      [this](auth::StoreTx& tx) -> Result<void> {
        JWTD_RETURN_IF_ERROR(Append(tx, "jti-before-duplicate"));
        auto user = tx.InsertUser("taken", "hash", kNow);
        return user.ok() ? Ok() : Result<void>(user.error());
      },
      // Throws after writing: the leader survives and only this caller fails.
      [this](auth::StoreTx& tx) -> Result<void> {
        JWTD_RETURN_IF_ERROR(AddUserAndJti("thrower")(tx));
        throw std::runtime_error("body bug");
      },
      AddUserAndJti("last"),
  };
  const std::int64_t before = Commits();

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
  EXPECT_LE(Commits() - before, 3);

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

TEST_P(GroupCommitTest, CommitCountIsMinusOneForAnotherStore) {
  auto memory = NewMemoryStore();
  EXPECT_EQ(GetParam().commits(*memory), -1);
}

INSTANTIATE_TEST_SUITE_P(Stores, GroupCommitTest, ::testing::ValuesIn(GroupCommitStores()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace jwtd::store::testing
