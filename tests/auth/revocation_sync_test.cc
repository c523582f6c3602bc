// RevocationSync against the real SQLite store and RevocationView, with a manual clock and the
// bus inputs called directly (they are the sync's API): gaps, the staleness bound, check and
// refuse modes, disconnect and resync, and the token service's request path through it.
#include "jwtd/auth/revocation_sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "jwtd/auth/revocation_view.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

// The real store, with a switch that makes it unreachable (as a dead PostgreSQL would be): its
// transactions, reads and revocation log all fail while `down`.
class SwitchableStore final : public Store, public RevocationLog {
 public:
  explicit SwitchableStore(Store* inner) : inner_(inner) {}
  std::atomic<bool> down{false};
  std::atomic<int> log_reads{0};

  Result<void> Transact(const std::function<Result<void>(StoreTx&)>& fn) override {
    if (down) return Unreachable();
    return inner_->Transact(fn);
  }
  Result<void> Read(const std::function<Result<void>(StoreReadTx&)>& fn) override {
    if (down) return Unreachable();
    return inner_->Read(fn);
  }
  RevocationLog& revocation_log() override { return *this; }
  Result<std::vector<RevocationEntry>> ReadRevocations(std::int64_t after, std::int64_t now,
                                                       std::size_t limit) override {
    if (down) return Unreachable();
    ++log_reads;
    return inner_->revocation_log().ReadRevocations(after, now, limit);
  }
  Result<std::int64_t> MaxRevocationSeq() override {
    if (down) return Unreachable();
    return inner_->revocation_log().MaxRevocationSeq();
  }
  Result<std::string> BusKey() override { return inner_->revocation_log().BusKey(); }
  Result<std::int64_t> SweepExpired(std::int64_t now, std::int64_t retain) override {
    return inner_->SweepExpired(now, retain);
  }
  Result<std::int64_t> ForgetSealedSuccessors(std::int64_t rotated_before) override {
    return inner_->ForgetSealedSuccessors(rotated_before);
  }
  Result<std::int64_t> SweepAudit(std::int64_t before) override {
    return inner_->SweepAudit(before);
  }
  Result<std::int64_t> SweepDeliveredEvents(std::int64_t before) override {
    return inner_->SweepDeliveredEvents(before);
  }
  Result<std::vector<AuditEvent>> ListAudit(const AuditFilter& f) override {
    return inner_->ListAudit(f);
  }
  Result<void> Ping() override { return down ? Unreachable() : inner_->Ping(); }
  Result<int> Migrate() override { return inner_->Migrate(); }

 private:
  static Error Unreachable() {
    return Error(Code::kUnavailable, Reason::kStoreUnavailable, "store switched off");
  }
  Store* inner_;
};

// Built by append: GCC 12 reports a false -Wrestrict on "literal" + std::string.
std::string Jti(int i) {
  std::string s = "c";
  s += std::to_string(i);
  return s;
}

class RevocationSyncTest : public TokenServiceTest {
 protected:
  void SetUp() override {
    Start();
    store_switch_ = std::make_unique<SwitchableStore>(store_.get());
    view_ = RevocationView::Create(options_.strategies);
  }
  void MakeSync(StaleMode mode = StaleMode::kCheck) {
    RevocationSyncOptions o;
    o.source = SyncSource::kBus;  // the bus inputs are called directly below
    o.staleness_bound_ms = 1000;
    o.stale_mode = mode;
    o.check_timeout_ms = 500;
    o.retry_after_failure_ms = 0;
    auto sync = RevocationSync::Create(o, store_switch_.get(), view_.get(), &clock_);
    ASSERT_TRUE(sync.ok()) << sync.error().message();
    sync_ = std::move(*sync);
  }
  // Commits a jti revocation to the log (as another node would) and returns its entry.
  RevocationEntry Commit(const std::string& jti) {
    RevocationEntry out;
    RevocationEntry entry{
        .kind = RevocationKind::kJti, .key = jti, .expires_at = kT0 + 3600, .created_at = kT0};
    auto r = store_->Transact([&](StoreTx& tx) -> Result<void> {
      out = entry;
      return tx.AppendRevocation(out, &out.seq);  // the seq is known once committed
    });
    EXPECT_TRUE(r.ok());
    return out;
  }
  // Connected and verified by a heartbeat naming the store's current max seq.
  void BringInSync() {
    sync_->OnConnected();
    sync_->OnHeartbeat(*store_->revocation_log().MaxRevocationSeq(), kT0 * 1000);
    ASSERT_EQ(sync_->freshness().state, SyncState::kInSync);
  }

  std::unique_ptr<SwitchableStore> store_switch_;
  std::unique_ptr<RevocationView> view_;
  std::unique_ptr<RevocationSync> sync_;
};

TEST_F(RevocationSyncTest, StartsStaleAndCheckModeReadsTheStoreOnRequest) {
  MakeSync();
  Commit("j1");
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);
  EXPECT_FALSE(view_->IsJtiDenied("j1"));
  ASSERT_TRUE(sync_->EnsureFresh().ok());
  EXPECT_TRUE(view_->IsJtiDenied("j1"));
  Freshness f = sync_->freshness();
  EXPECT_EQ(f.stale_checks, 1u);
  EXPECT_EQ(f.applied_seq, 1);
  EXPECT_EQ(f.state, SyncState::kStale);  // still not connected to a bus
}

TEST_F(RevocationSyncTest, InSyncRequestsDoNotTouchTheStore) {
  MakeSync();
  BringInSync();
  const int reads = store_switch_->log_reads;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sync_->EnsureFresh().ok());
  EXPECT_EQ(store_switch_->log_reads, reads);
  EXPECT_EQ(sync_->freshness().stale_checks, 0u);
}

TEST_F(RevocationSyncTest, EntriesInOrderAreAppliedWithoutCatchUp) {
  MakeSync();
  BringInSync();
  const std::uint64_t catch_ups = sync_->freshness().catch_ups;
  sync_->OnEntry(Commit("j1"));
  sync_->OnEntry(Commit("j2"));
  EXPECT_TRUE(view_->IsJtiDenied("j2"));
  Freshness f = sync_->freshness();
  EXPECT_EQ(f.applied_seq, 2);
  EXPECT_EQ(f.catch_ups, catch_ups);
  EXPECT_EQ(f.gaps, 0u);
  EXPECT_EQ(f.state, SyncState::kInSync);
}

TEST_F(RevocationSyncTest, GapTriggersCatchUpFromTheStoreAtOnce) {
  MakeSync();
  BringInSync();
  sync_->OnEntry(Commit("j1"));
  Commit("j2");  // its message is lost
  sync_->OnEntry(Commit("j3"));
  EXPECT_TRUE(view_->IsJtiDenied("j2"));
  Freshness f = sync_->freshness();
  EXPECT_EQ(f.gaps, 1u);
  EXPECT_EQ(f.applied_seq, 3);
  EXPECT_EQ(f.state, SyncState::kInSync);
}

TEST_F(RevocationSyncTest, HeartbeatAheadOfTheViewIsAGap) {
  MakeSync();
  BringInSync();
  Commit("j1");  // published nowhere: only the heartbeat tells
  sync_->OnHeartbeat(1, kT0 * 1000);
  EXPECT_TRUE(view_->IsJtiDenied("j1"));
  EXPECT_EQ(sync_->freshness().gaps, 1u);
  EXPECT_EQ(sync_->freshness().state, SyncState::kInSync);
}

// A heartbeat may overtake the entry it names (a node reads the store's max without waiting for
// its own commit's entry to be queued). The view was current when last verified, so the trust
// earned then holds to the bound; refusing every token meanwhile (refuse mode: 503s) would
// protect nothing the bound does not already cover.
TEST_F(RevocationSyncTest, AHeartbeatAheadOfItsEntryKeepsTheTrustEarnedUntilTheBound) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  const RevocationEntry entry = Commit("j1");
  store_switch_->down = true;  // the catch-up the heartbeat starts cannot close the gap
  sync_->OnHeartbeat(entry.seq, clock_.NowMillis());
  EXPECT_EQ(sync_->freshness().gaps, 1u);
  EXPECT_TRUE(sync_->EnsureFresh().ok());
  sync_->OnEntry(entry);  // the entry it overtook
  EXPECT_TRUE(view_->IsJtiDenied("j1"));
  EXPECT_TRUE(sync_->EnsureFresh().ok());
  // Had the entry never come, the bound still ends the trust: nothing verifies a view that lacks
  // a seq a heartbeat named.
  const RevocationEntry lost = Commit("j2");
  sync_->OnHeartbeat(lost.seq, clock_.NowMillis());
  clock_.Advance(1);
  EXPECT_FALSE(sync_->EnsureFresh().ok());
  EXPECT_FALSE(view_->IsJtiDenied("j2"));
  store_switch_->down = false;
  ASSERT_TRUE(sync_->CatchUp().ok());
  EXPECT_TRUE(view_->IsJtiDenied("j2"));
  EXPECT_TRUE(sync_->EnsureFresh().ok());
}

// An entry beyond the cursor is a message known lost: untrusted at once, whatever the bound.
TEST_F(RevocationSyncTest, AnEntryBeyondTheCursorVoidsTrustAtOnce) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  Commit("lost");
  const RevocationEntry next = Commit("next");
  store_switch_->down = true;
  sync_->OnEntry(next);
  EXPECT_FALSE(sync_->EnsureFresh().ok());
  store_switch_->down = false;
  ASSERT_TRUE(sync_->CatchUp().ok());
  EXPECT_TRUE(view_->IsJtiDenied("lost"));
  EXPECT_TRUE(sync_->EnsureFresh().ok());
}

// A heartbeat vouches for the instant it was sent, not the one it arrived: a feed node whose own
// view is a second behind, or a heartbeat held in a buffer, buys that much less trust.
TEST_F(RevocationSyncTest, AHeartbeatVerifiesAsOfItsSendTime) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  clock_.Advance(5);
  ASSERT_FALSE(sync_->EnsureFresh().ok());
  const std::int64_t max_seq = *store_->revocation_log().MaxRevocationSeq();
  sync_->OnHeartbeat(max_seq, clock_.NowMillis() - 1000);  // sent one bound ago
  EXPECT_FALSE(sync_->EnsureFresh().ok());
  EXPECT_GE(sync_->freshness().lag_ms, 1000);
  sync_->OnHeartbeat(max_seq, clock_.NowMillis() - 400);
  EXPECT_TRUE(sync_->EnsureFresh().ok());
  EXPECT_EQ(sync_->freshness().lag_ms, 400);
}

TEST_F(RevocationSyncTest, StaleAfterTheBoundCheckModeCatchesUpAndDecides) {
  MakeSync(StaleMode::kCheck);
  BringInSync();
  Commit("j1");                            // no message, no heartbeat: the view does not know
  EXPECT_TRUE(sync_->EnsureFresh().ok());  // within the bound: trusted
  EXPECT_FALSE(view_->IsJtiDenied("j1"));
  clock_.Advance(2);  // heartbeats stopped for longer than the bound
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);
  EXPECT_GE(sync_->freshness().lag_ms, 2000);
  ASSERT_TRUE(sync_->EnsureFresh().ok());
  EXPECT_TRUE(view_->IsJtiDenied("j1"));
  EXPECT_EQ(sync_->freshness().stale_checks, 1u);
  // The store check verified the view: trusted again for the bound (the bus is connected).
  EXPECT_EQ(sync_->freshness().state, SyncState::kInSync);
}

TEST_F(RevocationSyncTest, StaleWithTheStoreDownIsRefusedInCheckMode) {
  MakeSync(StaleMode::kCheck);
  BringInSync();
  clock_.Advance(2);
  store_switch_->down = true;
  auto r = sync_->EnsureFresh();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_EQ(r.error().reason(), Reason::kViewStale);
  EXPECT_FALSE(sync_->freshness().store_reachable);
  store_switch_->down = false;
  EXPECT_TRUE(sync_->EnsureFresh().ok());
  EXPECT_TRUE(sync_->freshness().store_reachable);
}

TEST_F(RevocationSyncTest, RefuseModeRefusesWhileStaleWithoutReadingTheStore) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  EXPECT_TRUE(sync_->EnsureFresh().ok());
  clock_.Advance(2);
  const int reads = store_switch_->log_reads;
  auto r = sync_->EnsureFresh();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason(), Reason::kViewStale);
  EXPECT_EQ(store_switch_->log_reads, reads);
  EXPECT_EQ(sync_->freshness().stale_refusals, 1u);
  sync_->OnHeartbeat(*store_->revocation_log().MaxRevocationSeq(), clock_.NowSeconds() * 1000);
  EXPECT_TRUE(sync_->EnsureFresh().ok());
}

TEST_F(RevocationSyncTest, DisconnectMakesStaleAndReconnectResyncs) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  sync_->OnDisconnected();
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);
  EXPECT_FALSE(sync_->EnsureFresh().ok());
  Commit("lost1");  // committed while this node was cut off the bus
  Commit("lost2");
  sync_->OnConnected();
  EXPECT_TRUE(view_->IsJtiDenied("lost1"));
  EXPECT_TRUE(view_->IsJtiDenied("lost2"));
  Freshness f = sync_->freshness();
  EXPECT_EQ(f.applied_seq, 2);
  EXPECT_EQ(f.disconnects, 1u);
  EXPECT_EQ(f.state, SyncState::kInSync);
  EXPECT_TRUE(sync_->EnsureFresh().ok());
}

TEST_F(RevocationSyncTest, ReconnectWithTheStoreDownStaysStale) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  sync_->OnDisconnected();
  store_switch_->down = true;
  sync_->OnConnected();
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);
  store_switch_->down = false;
  // A heartbeat alone cannot stand for the resync that failed.
  sync_->OnHeartbeat(*store_->revocation_log().MaxRevocationSeq(), clock_.NowSeconds() * 1000);
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);
  ASSERT_TRUE(sync_->CatchUp().ok());
  sync_->OnConnected();
  EXPECT_EQ(sync_->freshness().state, SyncState::kInSync);
}

TEST_F(RevocationSyncTest, OldHeartbeatVerifiesNothing) {
  MakeSync();
  BringInSync();
  clock_.Advance(5);
  sync_->OnHeartbeat(0, (kT0 + 1) * 1000);  // sent 4 s ago, delivered now
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);
  sync_->OnHeartbeat(0, clock_.NowSeconds() * 1000);
  EXPECT_EQ(sync_->freshness().state, SyncState::kInSync);
}

// A local commit (seq 2) applied before another node's seq 1 arrived must not move the catch-up
// cursor past seq 1, or seq 1 would never be read.
TEST_F(RevocationSyncTest, LocalCommitAheadOfAPeerDoesNotSkipThePeersEntry) {
  MakeSync();
  BringInSync();
  RevocationEntry peer = Commit("peer");
  RevocationEntry mine = Commit("mine");
  sync_->ApplyLocal({mine});
  EXPECT_TRUE(view_->IsJtiDenied("mine"));
  EXPECT_EQ(sync_->freshness().state, SyncState::kStale);  // a known gap
  ASSERT_TRUE(sync_->EnsureFresh().ok());                  // check mode reads seq 1
  EXPECT_TRUE(view_->IsJtiDenied("peer"));
  EXPECT_EQ(sync_->freshness().applied_seq, mine.seq);
  sync_->OnEntry(peer);  // the late message is a duplicate now
  EXPECT_EQ(sync_->freshness().state, SyncState::kInSync);
}

TEST_F(RevocationSyncTest, LateMessageClosesTheGapWithoutAStoreRead) {
  MakeSync(StaleMode::kRefuse);
  BringInSync();
  RevocationEntry peer = Commit("peer");
  RevocationEntry mine = Commit("mine");
  sync_->ApplyLocal({mine});
  EXPECT_FALSE(sync_->EnsureFresh().ok());
  const int reads = store_switch_->log_reads;
  sync_->OnEntry(peer);
  EXPECT_EQ(store_switch_->log_reads, reads);
  EXPECT_EQ(sync_->freshness().applied_seq, mine.seq);
  EXPECT_TRUE(sync_->EnsureFresh().ok());
}

TEST_F(RevocationSyncTest, CatchUpSkipsExpiredHolesInTheLog) {
  MakeSync();
  BringInSync();
  RevocationEntry short_lived{
      .kind = RevocationKind::kJti, .key = "gone", .expires_at = kT0 + 1, .created_at = kT0};
  ASSERT_TRUE(store_
                  ->Transact([&](StoreTx& tx) -> Result<void> {
                    return tx.AppendRevocation(short_lived, &short_lived.seq);
                  })
                  .ok());
  Commit("kept");
  clock_.Advance(2);  // seq 1 expired: the log no longer returns it
  sync_->OnHeartbeat(2, clock_.NowSeconds() * 1000);
  Freshness f = sync_->freshness();
  EXPECT_EQ(f.applied_seq, 2);
  EXPECT_TRUE(view_->IsJtiDenied("kept"));
  EXPECT_EQ(f.state, SyncState::kInSync);
}

TEST_F(RevocationSyncTest, ConcurrentRequestsAndBusFeedAllSeeEveryEntry) {
  MakeSync(StaleMode::kCheck);
  std::vector<RevocationEntry> entries;
  for (int i = 0; i < 200; ++i) entries.push_back(Commit(Jti(i)));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) failures += sync_->EnsureFresh().ok() ? 0 : 1;
    });
  }
  std::thread bus([&] {
    sync_->OnConnected();
    for (std::size_t i = 0; i < entries.size(); i += 3) sync_->OnEntry(entries[i]);
  });
  for (auto& t : threads) t.join();
  bus.join();
  EXPECT_EQ(failures, 0);
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(view_->IsJtiDenied(Jti(i)));
  EXPECT_EQ(sync_->freshness().applied_seq, 200);
}

// Two token services on one store, as two nodes: a logout on A is seen by B's request path
// through the sync — within the bound without a message, at once through the store when stale.
class SyncedServiceTest : public RevocationSyncTest {
 protected:
  void MakeNodeB(StaleMode mode) {
    MakeSync(mode);
    Dependencies deps{store_switch_.get(), keys_.get(), &clock_};
    deps.view = view_.get();
    deps.sync = sync_.get();
    auto b = TokenService::Create(options_, deps);
    ASSERT_TRUE(b.ok()) << b.error().message();
    node_b_ = std::move(*b);
  }
  std::unique_ptr<TokenService> node_b_;
};

TEST_F(SyncedServiceTest, StaleNodeRefusesTokenRevokedElsewhereViaTheStore) {
  MakeNodeB(StaleMode::kCheck);
  Register("alice");
  TokenResponse tokens = Login("alice");
  sync_->OnConnected();
  sync_->OnHeartbeat(*store_->revocation_log().MaxRevocationSeq(), kT0 * 1000);
  ASSERT_TRUE(node_b_->Authenticate(tokens.access_token).ok());
  ASSERT_TRUE(service_->Logout(Auth(tokens.access_token), Client()).ok());  // on node A
  // No message reached B: within the bound it still trusts its view (the stated bound).
  EXPECT_TRUE(node_b_->Authenticate(tokens.access_token).ok());
  clock_.Advance(2);
  EXPECT_EQ(ReasonOf(node_b_->Authenticate(tokens.access_token)), Reason::kSessionEnded);
}

TEST_F(SyncedServiceTest, DisconnectedNodeInRefuseModeAnswersUnavailable) {
  MakeNodeB(StaleMode::kRefuse);
  Register("alice");
  TokenResponse tokens = Login("alice");
  auto r = node_b_->Authenticate(tokens.access_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  sync_->OnConnected();
  sync_->OnHeartbeat(*store_->revocation_log().MaxRevocationSeq(), kT0 * 1000);
  EXPECT_TRUE(node_b_->Authenticate(tokens.access_token).ok());
}

TEST_F(SyncedServiceTest, LocalRevocationIsAppliedAtOnce) {
  MakeNodeB(StaleMode::kRefuse);
  sync_->OnConnected();
  Register("alice");
  TokenResponse tokens = Login("alice");
  sync_->OnHeartbeat(*store_->revocation_log().MaxRevocationSeq(), kT0 * 1000);
  auto p = node_b_->Authenticate(tokens.access_token);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(node_b_->Logout(*p, Client()).ok());
  EXPECT_EQ(ReasonOf(node_b_->Authenticate(tokens.access_token)), Reason::kSessionEnded);
  EXPECT_EQ(sync_->freshness().applied_seq, *store_->revocation_log().MaxRevocationSeq());
}

}  // namespace
}  // namespace jwtd::auth::testing
