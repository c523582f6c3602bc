// The revocation bus against forgery (docs/security.md, "A compromised Redis", K1/K2), on a
// real redis-server and a real SQLite store:
//   - messages without a valid HMAC (plain PUBLISH, another key) are dropped and counted;
//   - with the key leaked (messages sealed with it), the sync still holds: a forged entry does
//     not make catch-ups skip a real revocation the bus dropped, a forged heartbeat's huge seq
//     is capped to the store's, and a key revocation that is not in the store is not applied.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/store/redis_bus.h"
#include "jwtd/store/sqlite_store.h"
#include "store/redis/bus_codec.h"
#include "support/redis_server.h"

namespace jwtd::store {
namespace {

using namespace std::chrono_literals;

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10'000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::int64_t Now() { return SystemClock()->NowSeconds(); }

class BusAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = testing::RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;  // a missing redis-server fails, never skips
    std::string tmpl = (std::filesystem::temp_directory_path() / "jwtd-busauth-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    auto store = OpenSqliteStore({.path = root_ + "/jwtd.db"}, SystemClock());
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    auto key = store_->revocation_log().BusKey();
    ASSERT_TRUE(key.ok()) << key.error().message();
    key_ = *key;
  }
  void TearDown() override {
    if (bus_) bus_->Stop();
    bus_.reset();
    sync_.reset();
    store_.reset();
    std::filesystem::remove_all(root_);
  }

  // One node: view, sync (refuse mode: "in sync" must really be earned) and bus.
  void StartNode(std::int64_t heartbeat_ms) {
    view_ = auth::RevocationView::Create({});
    auth::RevocationSyncOptions so;
    so.source = auth::SyncSource::kBus;
    so.stale_mode = auth::StaleMode::kRefuse;
    auto sync =
        auth::RevocationSync::Create(so, &store_->revocation_log(), view_.get(), SystemClock());
    ASSERT_TRUE(sync.ok());
    sync_ = std::move(*sync);
    RedisBusOptions bo;
    bo.url = redis_->url();
    bo.key = key_;
    bo.heartbeat_interval_ms = heartbeat_ms;
    bo.idle_probe_ms = 300;
    auth::Store* store = store_.get();
    auto bus = OpenRedisBus(
        bo, sync_.get(), [store] { return store->revocation_log().MaxRevocationSeq(); },
        SystemClock());
    ASSERT_TRUE(bus.ok()) << bus.error().message();
    bus_ = std::move(*bus);
    ASSERT_TRUE(WaitFor([&] { return sync_->freshness().connected; }));
  }

  void RawPublish(const std::string& payload) {
    redisContext* c = redisConnect("127.0.0.1", redis_->port());
    ASSERT_TRUE(c != nullptr && c->err == 0);
    void* reply = redisCommand(c, "PUBLISH jwtd:revocations %b", payload.data(), payload.size());
    ASSERT_NE(reply, nullptr);
    freeReplyObject(reply);
    redisFree(c);
  }

  // Commits a revocation to the store without publishing it (a message the bus lost).
  auth::RevocationEntry CommitSilently(auth::RevocationKind kind, const std::string& key) {
    auth::RevocationEntry out;
    auth::RevocationEntry entry{
        .kind = kind, .key = key, .expires_at = Now() + 3600, .created_at = Now()};
    auto r = store_->Transact([&](auth::StoreTx& tx) -> Result<void> {
      out = entry;
      return tx.AppendRevocation(out, &out.seq);  // the seq is known once committed
    });
    EXPECT_TRUE(r.ok());
    return out;
  }

  std::string EntryBody(std::int64_t seq, int kind, const std::string& key) {
    return "E " + std::to_string(seq) + " " + std::to_string(kind) + " 0 " +
           std::to_string(Now() + 3600) + " " + std::to_string(Now()) + " " + key;
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::string root_;
  std::unique_ptr<auth::Store> store_;
  std::string key_;
  std::unique_ptr<auth::RevocationView> view_;
  std::unique_ptr<auth::RevocationSync> sync_;
  std::unique_ptr<RedisBus> bus_;
};

TEST_F(BusAuthTest, TheStoreHoldsOneRandomKeyThatSurvivesReopening) {
  EXPECT_EQ(key_.size(), 64u);
  EXPECT_EQ(key_.find_first_not_of("0123456789abcdef"), std::string::npos);
  store_.reset();
  auto reopened = OpenSqliteStore({.path = root_ + "/jwtd.db"}, SystemClock());
  ASSERT_TRUE(reopened.ok());
  auto again = (*reopened)->revocation_log().BusKey();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, key_);  // every node of this store derives the same key
  auto other = OpenSqliteStore({.path = root_ + "/other.db"}, SystemClock());
  ASSERT_TRUE(other.ok());
  auto other_key = (*other)->revocation_log().BusKey();
  ASSERT_TRUE(other_key.ok());
  EXPECT_NE(*other_key, key_);  // another deployment, another key
  store_ = std::move(*reopened);
}

TEST_F(BusAuthTest, MessagesWithoutAValidMacAreIgnoredAndCounted) {
  StartNode(0);
  const auth::Freshness before = sync_->freshness();
  const std::string forged_entry = EntryBody(before.applied_seq + 1, 1, "forged-jti");
  const std::string huge_heartbeat = "H 999999 " + std::to_string(Now() * 1000) + " evil";
  RawPublish(forged_entry);                                     // no MAC (the old format)
  RawPublish(redis::Seal(forged_entry, std::string(64, 'f')));  // another key's MAC
  RawPublish(huge_heartbeat);
  RawPublish(std::string(64, '0') + " " + huge_heartbeat);  // a made-up MAC
  ASSERT_TRUE(WaitFor([&] { return bus_->Stats().rejected >= 4; }));
  const auth::Freshness after = sync_->freshness();
  EXPECT_EQ(after.bus_rejected, 4u);
  EXPECT_EQ(after.entries_received, before.entries_received);
  EXPECT_EQ(after.heartbeats_received, before.heartbeats_received);
  EXPECT_EQ(after.known_max_seq, before.known_max_seq);
  EXPECT_EQ(after.gaps, 0u);
  EXPECT_FALSE(view_->IsJtiDenied("forged-jti"));
  EXPECT_EQ(bus_->Stats().received, 0u);
  EXPECT_EQ(bus_->Stats().malformed, 0u);
}

TEST_F(BusAuthTest, ForgedEntryDoesNotHideARealRevocationTheBusDropped) {
  StartNode(0);
  // The attacker (key leaked) announces seq 1 first; the real seq 1 is committed and never
  // delivered. The node's next catch-up must still read it from the store.
  RawPublish(redis::Seal(EntryBody(1, 1, "forged-jti"), key_));
  ASSERT_TRUE(WaitFor([&] { return view_->IsJtiDenied("forged-jti"); }));  // applied: stricter
  const auth::RevocationEntry real = CommitSilently(auth::RevocationKind::kJti, "real-jti");
  ASSERT_EQ(real.seq, 1);
  EXPECT_FALSE(view_->IsJtiDenied("real-jti"));
  ASSERT_TRUE(sync_->CatchUp().ok());
  EXPECT_TRUE(view_->IsJtiDenied("real-jti"));
  EXPECT_EQ(sync_->freshness().applied_seq, 1);
}

TEST_F(BusAuthTest, ForgedHugeHeartbeatIsCappedAndTheNodeIsCurrentAgain) {
  StartNode(50);  // real heartbeats from this node keep the view verified
  ASSERT_TRUE(WaitFor([&] { return sync_->EnsureFresh().ok(); }));
  CommitSilently(auth::RevocationKind::kJti, "a");
  const std::uint64_t gaps_before = sync_->freshness().gaps;
  RawPublish(redis::Seal("H 999999 " + std::to_string(Now() * 1000) + " evil", key_));
  ASSERT_TRUE(WaitFor([&] { return sync_->freshness().gaps > gaps_before; }));
  // The store's max seq (1) is what the next catch-up confirms: current again, in refuse mode.
  ASSERT_TRUE(WaitFor([&] {
    const auth::Freshness f = sync_->freshness();
    return f.known_max_seq < 999999 && f.state == auth::SyncState::kInSync;
  }));
  EXPECT_EQ(sync_->freshness().known_max_seq, 1);
  EXPECT_TRUE(sync_->EnsureFresh().ok());
  EXPECT_TRUE(view_->IsJtiDenied("a"));
}

TEST_F(BusAuthTest, KeyRevocationsFromTheBusTakeEffectOnlyFromTheStore) {
  StartNode(0);
  const std::uint64_t catch_ups = sync_->freshness().catch_ups;
  RawPublish(redis::Seal(EntryBody(1, 4, "signing-kid"), key_));  // not in the store
  ASSERT_TRUE(WaitFor([&] { return sync_->freshness().catch_ups > catch_ups; }));
  ASSERT_TRUE(WaitFor([&] { return sync_->freshness().known_max_seq == 0; }));
  EXPECT_EQ(view_->Stats().revoked_keys, 0u);
  // A durable one, announced on the bus, is read from the store and applied.
  const auth::RevocationEntry real = CommitSilently(auth::RevocationKind::kKey, "old-kid");
  RawPublish(redis::EncodeEntry(real, key_));
  ASSERT_TRUE(WaitFor([&] { return view_->Stats().revoked_keys == 1; }));
  EXPECT_EQ(sync_->freshness().applied_seq, real.seq);
}

}  // namespace
}  // namespace jwtd::store
