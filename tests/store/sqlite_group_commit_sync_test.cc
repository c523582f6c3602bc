// Pipelined group commit (src/store/sqlite/group_commit.h, "Pipelining"): with a sync function
// a caller is answered only after the sync that follows its COMMIT, the next batch runs while
// that sync waits for the disk, and a failed sync fails the callers of its batch.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
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
