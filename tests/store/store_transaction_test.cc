// Store contract, part 2: transactions (all-or-nothing, visibility, serialised concurrent
// writers) and the sweep, on every adapter.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::RefreshState;
using auth::StoreTx;

class StoreTransactionTest : public StoreTest {};

TEST_P(StoreTransactionTest, FailingFnLeavesNoPartialWrite) {
  auto before = store_->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(before.ok());
  auth::RevocationEntry ghost = MakeRevocation("ghost-jti", kNow + 60);
  Result<void> r = store_->Transact([&ghost](StoreTx& tx) -> Result<void> {
    auto user = tx.InsertUser("ghost", "h", kNow);
    if (!user.ok()) return user.error();
    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("ghost-sid", user->id, kNow)));
    JWTD_RETURN_IF_ERROR(tx.InsertRefresh(MakeRefresh(FakeHash(1), "ghost-sid", 1)));
    JWTD_RETURN_IF_ERROR(tx.AppendRevocation(ghost, &ghost.seq));
    auth::AuditEvent e;
    e.at = kNow;
    e.event = "login_succeeded";
    JWTD_RETURN_IF_ERROR(tx.AppendAudit(e));
    return Error(Code::kAborted, Reason::kConflict, "domain said no");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kAborted);  // fn's own error comes back unchanged
  EXPECT_EQ(r.error().reason(), Reason::kConflict);
  EXPECT_EQ(r.error().message(), "domain said no");

  Commit([](StoreTx& tx) -> Result<void> {
    auto user = tx.FindUserByName("ghost");
    auto session = tx.LockSession("ghost-sid");
    auto refresh = tx.FindRefresh(FakeHash(1));
    auto users = tx.ListUsers(10, 0);
    EXPECT_TRUE(user.ok() && !user->has_value());
    EXPECT_TRUE(session.ok() && !session->has_value());
    EXPECT_TRUE(refresh.ok() && !refresh->has_value());
    EXPECT_TRUE(users.ok() && users->empty());
    return Ok();
  });
  auto log = store_->revocation_log().ReadRevocations(0, 0, 100);
  auto audit = store_->ListAudit({});
  ASSERT_TRUE(log.ok() && audit.ok());
  EXPECT_TRUE(log->empty());
  EXPECT_TRUE(audit->empty());
  // The store stays usable, and the name is free.
  EXPECT_EQ(AddUser("ghost").username, "ghost");
}

TEST_P(StoreTransactionTest, FailedStatementRollsBackEarlierWritesOfTheTransaction) {
  AddUser("taken");
  Result<void> r = store_->Transact([](StoreTx& tx) -> Result<void> {
    auto first = tx.InsertUser("fresh", "h", kNow);
    if (!first.ok()) return first.error();
    auto dup = tx.InsertUser("taken", "h", kNow);
    if (!dup.ok()) return dup.error();
    return Ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kAlreadyExists);
  Commit([](StoreTx& tx) -> Result<void> {
    auto fresh = tx.FindUserByName("fresh");
    EXPECT_TRUE(fresh.ok() && !fresh->has_value());
    return Ok();
  });
}

TEST_P(StoreTransactionTest, WritesAreVisibleInsideTheTransactionAndToOthersOnlyAfterCommit) {
  std::future<Result<std::vector<auth::RevocationEntry>>> outside;
  bool read_finished_inside = false;
  auth::RevocationEntry jti1 = MakeRevocation("jti-1", kNow + 60);
  Commit([&](StoreTx& tx) -> Result<void> {
    auto user = tx.InsertUser("alice", "h", kNow);
    if (!user.ok()) return user.error();
    auto again = tx.FindUserByName("alice");  // own writes are visible
    EXPECT_TRUE(again.ok() && again->has_value() && (*again)->id == user->id);
    auto bumped = tx.BumpTokenVersion(user->id);
    auto reread = tx.FindUserById(user->id);
    EXPECT_TRUE(bumped.ok() && reread.ok() && reread->has_value() &&
                (*reread)->token_version == *bumped);
    JWTD_RETURN_IF_ERROR(tx.AppendRevocation(jti1, &jti1.seq));
    // Another thread reads the log meanwhile: it must not see the uncommitted entry (an
    // adapter may also make it wait until commit).
    outside = std::async(std::launch::async,
                         [this] { return store_->revocation_log().ReadRevocations(0, kNow, 100); });
    if (outside.wait_for(std::chrono::milliseconds(300)) == std::future_status::ready) {
      read_finished_inside = true;
      auto seen = outside.get();
      EXPECT_TRUE(seen.ok() && seen->empty()) << "uncommitted write leaked";
    }
    return Ok();
  });
  if (!read_finished_inside) {
    auto seen = outside.get();
    EXPECT_TRUE(seen.ok() && seen->size() == 1u);  // the reader waited for the commit
  }
  auto after = store_->revocation_log().ReadRevocations(0, kNow, 100);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].key, "jti-1");
}

// Eight threads rotate one session's refresh token: LockSession makes each read-modify-write
// exclusive, so every rotation lands and the chain has no fork (refresh single-flight).
TEST_P(StoreTransactionTest, ConcurrentRotationsOfOneSessionAreSerialised) {
  constexpr int kThreads = 8;
  constexpr int kRotationsEach = 25;
  auth::User u = AddUser("alice");
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("sid", u.id, kNow)));
    return tx.InsertRefresh(MakeRefresh(FakeHash(1), "sid", 1));
  });
  auto rotate = [&](StoreTx& tx) -> Result<void> {
    auto session = tx.LockSession("sid");
    if (!session.ok()) return session.error();
    if (!session->has_value()) return Error(Code::kInternal, Reason::kInternal, "lost");
    auth::Session s = **session;
    auto current = tx.FindRefresh(FakeHash(static_cast<int>(s.generation)));
    if (!current.ok()) return current.error();
    if (!current->has_value() || (*current)->state != RefreshState::kCurrent) {
      return Error(Code::kInternal, Reason::kInternal, "current token missing: forked chain");
    }
    auth::RefreshRecord old = **current;
    old.state = RefreshState::kRotated;
    old.rotated_at = kNow;
    JWTD_RETURN_IF_ERROR(tx.UpdateRefresh(old));
    s.generation += 1;
    JWTD_RETURN_IF_ERROR(tx.InsertRefresh(
        MakeRefresh(FakeHash(static_cast<int>(s.generation)), "sid", s.generation)));
    return tx.UpdateSession(s);
  };
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRotationsEach; ++i) {
        if (!store_->Transact(rotate).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  constexpr int kFinal = 1 + kThreads * kRotationsEach;
  Commit([&](StoreTx& tx) -> Result<void> {
    auto s = tx.LockSession("sid");
    EXPECT_TRUE(s.ok() && s->has_value() && (*s)->generation == kFinal);
    for (int g = 1; g <= kFinal; ++g) {
      auto r = tx.FindRefresh(FakeHash(g));
      EXPECT_TRUE(r.ok() && r->has_value()) << "generation " << g;
      if (!r.ok() || !r->has_value()) continue;
      EXPECT_EQ((*r)->generation, g);
      EXPECT_EQ((*r)->state, g == kFinal ? RefreshState::kCurrent : RefreshState::kRotated);
    }
    return Ok();
  });
}

TEST_P(StoreTransactionTest, ConcurrentAppendsGetDistinctContiguousSeqs) {
  constexpr int kThreads = 8;
  constexpr int kEach = 20;
  std::mutex mu;
  std::set<std::int64_t> seqs;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string key = std::to_string(t) + "-" + std::to_string(i);
        auth::RevocationEntry e = MakeRevocation(key, kNow + 60);
        Result<void> r = store_->Transact(
            [&](StoreTx& tx) -> Result<void> { return tx.AppendRevocation(e, &e.seq); });
        EXPECT_TRUE(r.ok());
        {
          std::lock_guard lock(mu);
          seqs.insert(e.seq);  // known once committed (ports.h)
        }
        (void)store_->revocation_log().ReadRevocations(0, kNow,
                                                       10);  // readers run beside the writers
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*seqs.rbegin() - *seqs.begin() + 1, kThreads * kEach);
  auto log = store_->revocation_log().ReadRevocations(0, kNow, 10'000);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), seqs.size());
  for (std::size_t i = 1; i < log->size(); ++i) EXPECT_GT((*log)[i].seq, (*log)[i - 1].seq);
}

TEST_P(StoreTransactionTest, SweepDeletesExpiredRowsAndKeepsTheRest) {
  constexpr std::int64_t kRetain = 1000;
  constexpr std::int64_t kCutoff = kNow - kRetain;
  auth::User u = AddUser("alice");
  auth::Session live = MakeSession("live", u.id, kNow - 10);
  auth::Session revoked_long_ago = MakeSession("revoked-old", u.id, kCutoff - 500);
  revoked_long_ago.revoked_at = kCutoff - 1;
  auth::Session revoked_recently = MakeSession("revoked-new", u.id, kCutoff - 500);
  revoked_recently.revoked_at = kCutoff + 1;
  auth::Session idle = MakeSession("idle", u.id, kCutoff - 5000);  // idle_expires_at = +3600
  auth::Session absolute = MakeSession("absolute", u.id, kNow - 10);
  absolute.absolute_expires_at = kCutoff - 1;
  auth::RefreshRecord rotated_old = MakeRefresh(FakeHash(1), "live", 1);
  std::deque<auth::RevocationEntry> appended;  // seqs set by the commit (ports.h)
  auth::RevocationEntry next = MakeRevocation("next", kNow + 60);
  rotated_old.state = RefreshState::kRotated;
  rotated_old.rotated_at = kCutoff - 1;
  rotated_old.sealed_successor = "sealed-1";
  auth::RefreshRecord rotated_new = MakeRefresh(FakeHash(2), "live", 2);
  rotated_new.state = RefreshState::kRotated;
  rotated_new.rotated_at = kCutoff + 1;
  rotated_new.sealed_successor = "sealed-2";
  auth::RefreshRecord current = MakeRefresh(FakeHash(3), "live", 3);
  auth::RefreshRecord of_dead = MakeRefresh(FakeHash(4), "revoked-old", 1);
  Commit([&](StoreTx& tx) -> Result<void> {
    for (const auto& s : {live, revoked_long_ago, revoked_recently, idle, absolute}) {
      JWTD_RETURN_IF_ERROR(tx.InsertSession(s));
    }
    for (const auto& r : {rotated_old, rotated_new, current, of_dead}) {
      JWTD_RETURN_IF_ERROR(tx.InsertRefresh(r));
    }
    appended.clear();
    for (auto e : {MakeRevocation("gone", kNow - 1), MakeRevocation("edge", kNow),
                   MakeRevocation("kept", kNow + 1)}) {
      auth::RevocationEntry& slot = appended.emplace_back(e);
      JWTD_RETURN_IF_ERROR(tx.AppendRevocation(slot, &slot.seq));
    }
    return Ok();
  });
  auto max_before = store_->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max_before.ok());

  // 2 revocations + 1 refresh record (of_dead) + 3 sessions. Rotated records of a kept
  // session stay (reuse detection) and only lose their sealed successor past the cutoff.
  auto swept = store_->SweepExpired(kNow, kRetain);
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_EQ(*swept, 6);

  auto log = store_->revocation_log().ReadRevocations(0, 0, 100);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].key, "kept");
  auto max_after = store_->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max_after.ok());
  EXPECT_EQ(*max_after, *max_before) << "seq must not go back after a sweep";
  Commit([&](StoreTx& tx) -> Result<void> {
    auto sessions = tx.ListSessions({.user_id = u.id});
    EXPECT_TRUE(sessions.ok());
    std::set<std::string> ids;
    if (sessions.ok()) {
      for (const auto& s : *sessions) ids.insert(s.id);
    }
    EXPECT_EQ(ids, (std::set<std::string>{"live", "revoked-new"}));
    auto dead = tx.FindRefresh(FakeHash(4));
    EXPECT_TRUE(dead.ok() && !dead->has_value());
    for (int n : {1, 2, 3}) {
      auto r = tx.FindRefresh(FakeHash(n));
      EXPECT_TRUE(r.ok() && r->has_value()) << n;
    }
    auto old = tx.FindRefresh(FakeHash(1));
    auto recent = tx.FindRefresh(FakeHash(2));
    if (old.ok() && old->has_value()) {
      EXPECT_EQ((*old)->state, RefreshState::kRotated);
      EXPECT_TRUE((*old)->sealed_successor.empty());
    }
    if (recent.ok() && recent->has_value()) {
      EXPECT_EQ((*recent)->sealed_successor, "sealed-2");
    }
    return tx.AppendRevocation(next, &next.seq);
  });
  EXPECT_GT(next.seq, *max_before);
  auto again = store_->SweepExpired(kNow, kRetain);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST_P(StoreTransactionTest, ForgetSealedSuccessorsClearsOnlyClosedWindowsAndKeepsRows) {
  constexpr std::int64_t kBefore = kNow - 50;
  auth::User u = AddUser("alice");
  auto rotated = [](int n, const char* sid, std::int64_t at, const char* sealed) {
    auth::RefreshRecord r = MakeRefresh(FakeHash(n), sid, n);
    r.state = RefreshState::kRotated;
    r.rotated_at = at;
    r.sealed_successor = sealed;
    return r;
  };
  auth::RefreshRecord current = MakeRefresh(FakeHash(4), "a", 4);  // never rotated_at > 0
  current.sealed_successor = "not-rotated";
  const std::vector<auth::RefreshRecord> records = {
      rotated(1, "a", kBefore - 50, "closed"), rotated(2, "a", kBefore, "edge"),
      rotated(3, "a", kBefore + 40, "open"), current, rotated(5, "b", kBefore - 900, "other")};
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("a", u.id, kNow - 500)));
    JWTD_RETURN_IF_ERROR(tx.InsertSession(MakeSession("b", u.id, kNow - 1500)));
    for (const auto& r : records) JWTD_RETURN_IF_ERROR(tx.InsertRefresh(r));
    return Ok();
  });

  // rotated_at < kBefore only, across sessions; current records are not touched.
  auto forgotten = store_->ForgetSealedSuccessors(kBefore);
  ASSERT_TRUE(forgotten.ok()) << forgotten.error().message();
  EXPECT_EQ(*forgotten, 2);
  const std::map<int, std::string> expected = {
      {1, ""}, {2, "edge"}, {3, "open"}, {4, "not-rotated"}, {5, ""}};
  Commit([&](StoreTx& tx) -> Result<void> {
    for (const auto& [n, sealed] : expected) {
      auto r = tx.FindRefresh(FakeHash(n));
      EXPECT_TRUE(r.ok() && r->has_value()) << "the row stays for reuse detection: " << n;
      if (r.ok() && r->has_value()) {
        EXPECT_EQ((*r)->sealed_successor, sealed) << n;
        EXPECT_EQ((*r)->generation, n);
      }
    }
    return Ok();
  });
  auto again = store_->ForgetSealedSuccessors(kBefore);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto later = store_->ForgetSealedSuccessors(kNow);  // the open window closes too
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(*later, 2);
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreTransactionTest, ::testing::ValuesIn(StoreFactories()),
                         FactoryName);

}  // namespace
}  // namespace jwtd::store::testing
