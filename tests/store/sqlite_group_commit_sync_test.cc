// Pipelined group commit (src/store/sqlite/group_commit.h, "Pipelining"): with a sync function
// a caller is answered only after the sync that follows its COMMIT, the next batch runs while
// that sync waits for the disk, and a failed sync fails the callers of its batch and poisons
// every later write.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/connection.h"
#include "store/sqlite/group_commit.h"
#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using sqlite::Connection;
using sqlite::GroupCommitter;
using namespace std::chrono_literals;

class GroupCommitSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Connection::Open(dir_.File("sync.db"), /*for_reads=*/false, 1000);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    conn_ = std::move(*opened);
    ASSERT_TRUE(conn_->Exec("CREATE TABLE t(x INTEGER)", "create").ok());
  }

  static GroupCommitter::Body Insert(int x) {
    return [x](Connection& conn) {
      return conn.Exec(("INSERT INTO t(x) VALUES (" + std::to_string(x) + ")").c_str(), "insert");
    };
  }

  TempDir dir_;
  std::unique_ptr<Connection> conn_;
  std::mutex write_mu_;
};

TEST_F(GroupCommitSyncTest, AnswersOnlyAfterItsSyncAndTheNextBatchRunsMeanwhile) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> syncs{0};
  GroupCommitter committer(*conn_, write_mu_, 64, 3, [&]() -> Result<void> {
    if (syncs.fetch_add(1) == 0) released.wait();  // the first batch's disk is slow
    return Ok();
  });

  auto first = std::async(std::launch::async, [&] { return committer.Run(Insert(1)); });
  while (syncs.load() == 0) std::this_thread::sleep_for(1ms);
  // The first caller's COMMIT is done but its sync is not: it must not have been answered.
  EXPECT_EQ(first.wait_for(100ms), std::future_status::timeout);

  // A second caller is not held behind the first one's sync: its batch commits and syncs.
  Result<void> second = committer.Run(Insert(2));
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(first.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(committer.commits(), 2);

  release.set_value();
  EXPECT_TRUE(first.get().ok());
  EXPECT_EQ(syncs.load(), 2);
}

TEST_F(GroupCommitSyncTest, FailedSyncFailsTheCallersOfItsBatch) {
  GroupCommitter committer(*conn_, write_mu_, 64, 3, []() -> Result<void> {
    return Error(Code::kUnavailable, Reason::kStoreUnavailable, "disk gone");
  });
  Result<void> r = committer.Run(Insert(1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_EQ(r.error().message(), "disk gone");
}

// Linux reports a writeback error once and may have dropped the frames it could not write: a
// later sync that succeeds proves nothing about them, and WAL recovery stops at the first bad
// frame. So after one failed sync every later write fails at once, touching nothing.
TEST_F(GroupCommitSyncTest, FailedSyncPoisonsEveryLaterWriteUntilARestart) {
  std::atomic<int> syncs{0};
  GroupCommitter committer(*conn_, write_mu_, 64, 3, [&]() -> Result<void> {
    if (syncs.fetch_add(1) == 0) {
      return Error(Code::kUnavailable, Reason::kStoreUnavailable, "disk gone");
    }
    return Ok();  // the disk "works" again: it must not matter
  });
  JWTD_EXPECT_OK(committer.Health());
  Result<void> failed = committer.Run(Insert(1));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message(), "disk gone");

  for (int i = 0; i < 3; ++i) {
    bool ran = false;
    Result<void> later = committer.Run([&](Connection& conn) -> Result<void> {
      ran = true;
      return Insert(2)(conn);
    });
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.error().code(), Code::kUnavailable);
    EXPECT_EQ(later.error().reason(), Reason::kStoreUnavailable);
    EXPECT_NE(later.error().message().find("could not be made durable (fsync failed)"),
              std::string::npos)
        << later.error().message();
    EXPECT_FALSE(ran) << "a poisoned committer ran a body";
  }
  EXPECT_EQ(syncs.load(), 1) << "no sync after the failed one";
  EXPECT_EQ(committer.commits(), 1) << "no transaction after the failed sync";
  Result<void> health = committer.Health();
  ASSERT_FALSE(health.ok());
  EXPECT_EQ(health.error().code(), Code::kUnavailable);
  // Reads go on: the committed row of the failed batch is there, nothing after it.
  auto count = conn_->QueryText("SELECT count(*) || ':' || group_concat(x) FROM t");
  ASSERT_TRUE(count.ok()) << count.error().message();
  EXPECT_EQ(*count, "1:1");
}

// Once any sync has failed, no batch is answered ok, not even one whose own sync, running beside
// the failed one, succeeded.
TEST_F(GroupCommitSyncTest, NoBatchIsAnsweredOkOnceASyncBesideItFailed) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> syncs{0};
  GroupCommitter committer(*conn_, write_mu_, 64, 3, [&]() -> Result<void> {
    if (syncs.fetch_add(1) == 0) {
      released.wait();
      return Ok();  // the slow sync succeeds
    }
    return Error(Code::kUnavailable, Reason::kStoreUnavailable, "disk gone");
  });
  auto first = std::async(std::launch::async, [&] { return committer.Run(Insert(1)); });
  while (syncs.load() == 0) std::this_thread::sleep_for(1ms);
  Result<void> second = committer.Run(Insert(2));  // its sync fails at once
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message(), "disk gone");
  release.set_value();
  Result<void> r1 = first.get();
  ASSERT_FALSE(r1.ok()) << "acknowledged after a failed sync";
  EXPECT_EQ(r1.error().code(), Code::kUnavailable);
  EXPECT_FALSE(committer.Health().ok());
}

TEST_F(GroupCommitSyncTest, FailedBodyIsNotSyncedIntoSuccess) {
  std::atomic<int> syncs{0};
  GroupCommitter committer(*conn_, write_mu_, 64, 3, [&]() -> Result<void> {
    ++syncs;
    return Ok();
  });
  Result<void> r = committer.Run([](Connection&) -> Result<void> {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "refused");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "refused");
}

}  // namespace
}  // namespace jwtd::store::testing
