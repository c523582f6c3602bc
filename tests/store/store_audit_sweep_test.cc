// Store contract, the audit sweep (audit.retention): SweepAudit(before) deletes every audit row
// older than `before` and keeps the rest, over a backlog of several slices (kAuditSweepSlice
// rows each), while other writers keep committing. On the durable adapters the slices are
// separate transactions: a write arriving during the sweep commits between two slices instead
// of waiting for the whole backlog.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::AuditEvent;
using auth::StoreTx;

constexpr std::int64_t kNow = 1'700'000'000;             // StoreTest::kNow
constexpr std::int64_t kBefore = kNow - 90 * 24 * 3600;  // now - retention
// Three full slices and a part: the sweep must go on past the first slices, and the oldest and
// youngest old rows fall in different slices.
constexpr std::int64_t kOld = 3 * kAuditSweepSlice + kAuditSweepSlice / 2;
// The old rows are tagged by slice (user_id = kFirstGroup + i / kAuditSweepSlice, no such
// users: audit rows name users loosely), so a reader can tell which slices are gone.
constexpr std::int64_t kFirstGroup = 1000;
constexpr std::int64_t kLastGroup = kFirstGroup + kOld / kAuditSweepSlice;

AuditEvent Event(std::int64_t at, const char* event, std::optional<std::int64_t> user_id) {
  AuditEvent e;
  e.at = at;
  e.event = event;
  e.reason = "bad_password";
  e.user_id = user_id;
  e.client_ip = "192.0.2.1";
  return e;
}

class StoreAuditSweepTest : public StoreTest {
 protected:
  // The old rows, oldest first (one second apart, the youngest at kBefore - 1), and rows at the
  // boundary and after it, all in one transaction.
  void FillBacklog() {
    if (GetParam().name == "postgres") return FillBacklogWithSql();
    Commit([](StoreTx& tx) -> Result<void> {
      for (std::int64_t i = 0; i < kOld; ++i) {
        JWTD_RETURN_IF_ERROR(tx.AppendAudit(
            Event(kBefore - kOld + i, "login_failed", kFirstGroup + i / kAuditSweepSlice)));
      }
      JWTD_RETURN_IF_ERROR(tx.AppendAudit(Event(kBefore, "login_succeeded", 7)));  // kept: not <
      JWTD_RETURN_IF_ERROR(tx.AppendAudit(Event(kBefore + 1, "logout", 7)));
      return tx.AppendAudit(Event(kNow, "refresh", 7));
    });
  }

  // The same rows in one statement: one INSERT per row costs a round trip each (~5 s here).
  void FillBacklogWithSql() {
    const std::string& url = LastPostgresUrl();
    const std::string schema = url.substr(url.rfind("%3D") + 3);
    const std::string sql =
        "SET search_path TO " + schema +
        "; INSERT INTO audit(at, event, reason, user_id, session_id, client_ip, detail)"
        " SELECT " +
        std::to_string(kBefore - kOld) + " + i, 'login_failed', 'bad_password', " +
        std::to_string(kFirstGroup) + " + i / " + std::to_string(kAuditSweepSlice) +
        ", '', '192.0.2.1', '' FROM generate_series(0, " + std::to_string(kOld - 1) +
        ") AS i ORDER BY i; INSERT INTO audit(at, event, reason, user_id, session_id, client_ip,"
        " detail) VALUES (" +
        std::to_string(kBefore) +
        ", 'login_succeeded', 'bad_password', 7,"
        " '', '192.0.2.1', ''), (" +
        std::to_string(kBefore + 1) +
        ", 'logout', 'bad_password', 7,"
        " '', '192.0.2.1', ''), (" +
        std::to_string(kNow) +
        ", 'refresh', 'bad_password', 7, '',"
        " '192.0.2.1', '')";
    std::string error;
    ASSERT_TRUE(::jwtd::testing::PostgresEnvironment::Server()->Exec(
        ::jwtd::testing::PostgresServer::kDatabase, sql, &error))
        << error;
  }

  std::vector<AuditEvent> List(std::optional<std::int64_t> user_id, std::size_t limit) {
    auth::AuditFilter filter;
    filter.user_id = user_id;
    filter.limit = limit;
    auto rows = store_->ListAudit(filter);
    EXPECT_TRUE(rows.ok()) << rows.error().message();
    return rows.ok() ? *rows : std::vector<AuditEvent>{};
  }
  bool GroupPresent(std::int64_t group) { return !List(group, 1).empty(); }

  Result<void> AppendNew(const char* event) {
    return store_->Transact(
        [event](StoreTx& tx) { return tx.AppendAudit(Event(kNow, event, std::nullopt)); });
  }
};

TEST_P(StoreAuditSweepTest, DeletesOnlyRowsOlderThanTheCutoffAcrossSlices) {
  FillBacklog();
  ASSERT_TRUE(GroupPresent(kFirstGroup));
  ASSERT_TRUE(GroupPresent(kLastGroup));

  // A writer keeps committing while the sweep runs: none of its writes may fail or be lost.
  std::atomic<bool> sweeping{true};
  auto writer = std::async(std::launch::async, [&] {
    int written = 0;
    for (int i = 0; i < 5000 && (sweeping || written == 0); ++i) {
      Result<void> r = AppendNew("concurrent");
      if (!r.ok()) {
        ADD_FAILURE() << "a write during the sweep failed: " << r.error().message();
        break;
      }
      ++written;
    }
    return written;
  });
  auto swept = store_->SweepAudit(kBefore);
  sweeping = false;
  const int written = writer.get();
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_EQ(*swept, kOld);

  // What stays is exactly what `jwtd audit` lists: the boundary row, the newer ones, the writes.
  std::vector<AuditEvent> rest = List(std::nullopt, kMaxRowsPerRead);
  ASSERT_EQ(rest.size(), static_cast<std::size_t>(written) + 3);
  for (const AuditEvent& e : rest) EXPECT_GE(e.at, kBefore) << e.event;
  auto count = [&](const char* event) {
    return std::count_if(rest.begin(), rest.end(),
                         [event](const AuditEvent& e) { return e.event == event; });
  };
  EXPECT_EQ(count("login_succeeded"), 1);
  EXPECT_EQ(count("logout"), 1);
  EXPECT_EQ(count("refresh"), 1);
  EXPECT_EQ(count("concurrent"), written);
  EXPECT_EQ(count("login_failed"), 0);

  auto again = store_->SweepAudit(kBefore);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(*again, 0);
  auto later = store_->SweepAudit(kNow + 1);  // a later cutoff takes the rest
  ASSERT_TRUE(later.ok()) << later.error().message();
  EXPECT_EQ(*later, written + 3);
  EXPECT_TRUE(List(std::nullopt, 10).empty());
}

TEST_P(StoreAuditSweepTest, EmptyTableAndNothingOldAreNoOps) {
  auto empty = store_->SweepAudit(kNow);
  ASSERT_TRUE(empty.ok()) << empty.error().message();
  EXPECT_EQ(*empty, 0);
  JWTD_ASSERT_OK(AppendNew("refresh"));
  auto none = store_->SweepAudit(kNow);  // at == before is kept
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(List(std::nullopt, 10).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreAuditSweepTest, ::testing::ValuesIn(StoreFactories()),
                         FactoryName);

// The durable adapters sweep in slices, one transaction each: a write that starts after the
// first slice has committed commits before the last one does. (The memory double sweeps in one
// pass under its mutex: nothing there is held up for long.)
class StoreAuditSliceTest : public StoreAuditSweepTest {};

TEST_P(StoreAuditSliceTest, AWriteCommitsBetweenTwoSlices) {
  FillBacklog();
  auto sweep = std::async(std::launch::async, [&] { return store_->SweepAudit(kBefore); });
  bool between = false;
  bool wrote = false;
  // Bounded: the sweep ends, and with it the chance; each round is one indexed read.
  while (sweep.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    if (GroupPresent(kFirstGroup)) continue;  // the first slice has not committed yet
    // The oldest slice is gone: the sweep is under way. Write, then look at the youngest old
    // rows, which the last slice deletes: still there means this write got in between.
    JWTD_ASSERT_OK(AppendNew("between"));
    wrote = true;
    between = GroupPresent(kLastGroup);
    break;
  }
  auto swept = sweep.get();
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_EQ(*swept, kOld);
  EXPECT_TRUE(wrote) << "never saw the sweep under way";
  EXPECT_TRUE(between) << "a write waited for the whole sweep: it is not sliced";
  EXPECT_FALSE(GroupPresent(kLastGroup));
}

INSTANTIATE_TEST_SUITE_P(DurableAdapters, StoreAuditSliceTest,
                         ::testing::ValuesIn(DurableFactories()), FactoryName);

}  // namespace
}  // namespace jwtd::store::testing
