// The Redis revocation bus against a real redis-server (tests/support RedisServer): delivery
// between two nodes, gaps, heartbeats keeping a node in sync, Redis killed and restarted, bad
// payloads, and a publisher that never blocks. Two nodes = two views and syncs over one real
// SQLite store, each with its own bus.
#include "jwtd/store/redis_bus.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <thread>

#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/store/sqlite_store.h"
#include "store/redis/bus_codec.h"
#include "support/redis_server.h"

namespace jwtd::store {
namespace {

using namespace std::chrono_literals;

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct Node {
  std::unique_ptr<auth::RevocationView> view;
  std::unique_ptr<auth::RevocationSync> sync;
  std::unique_ptr<RedisBus> bus;
};

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    redis_ = testing::RedisServer::Start(&error);
    ASSERT_NE(redis_, nullptr) << error;  // a missing redis-server fails, never skips
    std::string tmpl = (std::filesystem::temp_directory_path() / "jwtd-bus-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    auto store = OpenSqliteStore({.path = root_ + "/jwtd.db"}, SystemClock());
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
  }
  void TearDown() override {
    nodes_.clear();
    store_.reset();
    std::filesystem::remove_all(root_);
  }

  Node& AddNode(std::int64_t heartbeat_ms, auth::StaleMode mode = auth::StaleMode::kCheck) {
    Node node;
    node.view = auth::RevocationView::Create({});
    auth::RevocationSyncOptions so;
    so.source = auth::SyncSource::kBus;
    so.stale_mode = mode;
    auto sync =
        auth::RevocationSync::Create(so, &store_->revocation_log(), node.view.get(), SystemClock());
    EXPECT_TRUE(sync.ok());
    node.sync = std::move(*sync);
    RedisBusOptions bo;
    bo.url = redis_->url();
    bo.key = BusKey();
    bo.heartbeat_interval_ms = heartbeat_ms;
    bo.idle_probe_ms = 300;
    bo.reconnect_max_ms = 200;
    auth::Store* store = store_.get();
    auto bus = OpenRedisBus(
        bo, node.sync.get(), [store] { return store->revocation_log().MaxRevocationSeq(); },
        SystemClock());
    EXPECT_TRUE(bus.ok()) << bus.error().message();
    node.bus = std::move(*bus);
    nodes_.push_back(std::move(node));
    return nodes_.back();
  }

  auth::RevocationEntry Commit(const std::string& jti) {
    auth::RevocationEntry out;
    auth::RevocationEntry entry{.kind = auth::RevocationKind::kJti,
                                .key = jti,
                                .expires_at = SystemClock()->NowSeconds() + 3600,
                                .created_at = SystemClock()->NowSeconds()};
    auto r = store_->Transact([&](auth::StoreTx& tx) -> Result<void> {
      out = entry;
      return tx.AppendRevocation(out, &out.seq);  // the seq is known once committed
    });
    EXPECT_TRUE(r.ok());
    return out;
  }

  // PUBLISH through a plain hiredis connection, as anyone who reaches Redis could.
  void RawPublish(const std::string& payload) {
    redisContext* c = redisConnect("127.0.0.1", redis_->port());
    ASSERT_TRUE(c != nullptr && c->err == 0);
    void* reply = redisCommand(c, "PUBLISH jwtd:revocations %b", payload.data(), payload.size());
    ASSERT_NE(reply, nullptr);
    freeReplyObject(reply);
    redisFree(c);
  }

  std::string BusKey() {
    auto key = store_->revocation_log().BusKey();
    EXPECT_TRUE(key.ok());
    return key.ok() ? *key : std::string();
  }

  static bool Connected(const Node& n) { return n.sync->freshness().connected; }

  std::unique_ptr<testing::RedisServer> redis_;
  std::string root_;
  std::unique_ptr<auth::Store> store_;
  std::deque<Node> nodes_;
};

TEST_F(RedisBusTest, PublishedEntryReachesTheOtherNodeOverTheBus) {
  Node& a = AddNode(0);
  Node& b = AddNode(0);
  ASSERT_TRUE(WaitFor([&] { return Connected(a) && Connected(b); }));
  const auth::Freshness before = b.sync->freshness();
  auth::RevocationEntry e = Commit("j1");
  a.bus->Publish(e);
  ASSERT_TRUE(WaitFor([&] { return b.view->IsJtiDenied("j1"); }));
  const auth::Freshness after = b.sync->freshness();
  EXPECT_EQ(after.catch_ups, before.catch_ups);  // the bus, not the store, brought it
  EXPECT_EQ(after.gaps, 0u);
  EXPECT_EQ(after.applied_seq, e.seq);
  // The publisher counts on Redis's reply, which may come after the subscriber got the message.
  EXPECT_TRUE(WaitFor([&] { return a.bus->Stats().published >= 1u; }));
  EXPECT_GE(b.bus->Stats().received, 1u);
}

TEST_F(RedisBusTest, LostMessageIsAGapCaughtUpFromTheStore) {
  Node& a = AddNode(0);
  Node& b = AddNode(0);
  ASSERT_TRUE(WaitFor([&] { return Connected(a) && Connected(b); }));
  a.bus->Publish(Commit("j1"));
  Commit("j2");  // never published
  a.bus->Publish(Commit("j3"));
  ASSERT_TRUE(WaitFor([&] { return b.view->IsJtiDenied("j3"); }));
  EXPECT_TRUE(b.view->IsJtiDenied("j2"));
  EXPECT_GE(b.sync->freshness().gaps, 1u);
  EXPECT_EQ(b.sync->freshness().applied_seq, 3);
}

TEST_F(RedisBusTest, HeartbeatsKeepInSyncRedisDeathMakesStaleRestartResyncs) {
  AddNode(50);
  Node& b = AddNode(50, auth::StaleMode::kRefuse);
  ASSERT_TRUE(WaitFor([&] { return b.sync->freshness().state == auth::SyncState::kInSync; }));
  std::this_thread::sleep_for(1500ms);  // longer than the 1 s bound: heartbeats keep it fresh
  auth::Freshness f = b.sync->freshness();
  EXPECT_EQ(f.state, auth::SyncState::kInSync);
  EXPECT_LT(f.lag_ms, 500);
  EXPECT_GE(f.heartbeats_received, 20u);
  EXPECT_TRUE(b.sync->EnsureFresh().ok());

  redis_->Kill();
  ASSERT_TRUE(WaitFor([&] { return !Connected(b); }, 3000ms));
  EXPECT_EQ(b.sync->freshness().state, auth::SyncState::kStale);
  auto refused = b.sync->EnsureFresh();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason(), Reason::kViewStale);
  nodes_.front().bus->Publish(Commit("while_down"));  // dropped: Redis is gone
  EXPECT_FALSE(b.view->IsJtiDenied("while_down"));

  std::string error;
  ASSERT_TRUE(redis_->Restart(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return b.sync->freshness().state == auth::SyncState::kInSync; }));
  EXPECT_TRUE(b.view->IsJtiDenied("while_down"));  // resynced from the log
  EXPECT_GE(b.bus->Stats().reconnects, 1u);
  EXPECT_GE(b.sync->freshness().disconnects, 1u);
  EXPECT_TRUE(b.sync->EnsureFresh().ok());
}

TEST_F(RedisBusTest, MalformedPayloadIsCountedAndIgnored) {
  Node& a = AddNode(0);
  Node& b = AddNode(0);
  ASSERT_TRUE(WaitFor([&] { return Connected(a) && Connected(b); }));
  // Authentic (sealed with the store's key) but unparseable.
  for (const char* bad : {"E 1 1 0 0 0", "hello", "H x y z"})
    RawPublish(redis::Seal(bad, BusKey()));
  ASSERT_TRUE(WaitFor([&] { return b.bus->Stats().malformed >= 3; }));
  EXPECT_EQ(b.bus->Stats().rejected, 0u);
  EXPECT_EQ(b.sync->freshness().applied_seq, 0);
  a.bus->Publish(Commit("after"));
  EXPECT_TRUE(WaitFor([&] { return b.view->IsJtiDenied("after"); }));
}

TEST_F(RedisBusTest, PublishNeverBlocksWhenRedisIsDown) {
  redis_->Stop();
  RedisBusOptions bo;
  bo.url = redis_->url();
  bo.key = BusKey();
  bo.queue_capacity = 64;
  auto bus = OpenRedisBus(bo, nullptr, {}, SystemClock());
  ASSERT_TRUE(bus.ok());
  auth::RevocationEntry e{.seq = 1, .kind = auth::RevocationKind::kJti, .key = "k"};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100'000; ++i) (*bus)->Publish(e);
  // Not a speed target: a Publish that waited even 1 ms for the dead server would take 100 s
  // here. 10 s leaves room for a sanitizer build on a loaded machine (1.2 s seen under ASan).
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_TRUE(WaitFor([&] { return (*bus)->Stats().dropped >= 100'000u; }));
  EXPECT_EQ((*bus)->Stats().published, 0u);
  EXPECT_FALSE((*bus)->Stats().publisher_connected);
}

TEST(RedisBusOptionsTest, RefusesBadUrlsAndOptions) {
  for (const char* url :
       {"", "http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:12x"}) {
    RedisBusOptions o;
    o.url = url;
    o.key = std::string(64, 'k');
    EXPECT_FALSE(OpenRedisBus(o, nullptr, {}, SystemClock()).ok()) << url;
  }
  RedisBusOptions o;
  o.url = "redis://127.0.0.1:1";
  o.key = std::string(64, 'k');
  EXPECT_TRUE(OpenRedisBus(o, nullptr, {}, SystemClock()).ok());
  o.node_id = "has space";
  EXPECT_FALSE(OpenRedisBus(o, nullptr, {}, SystemClock()).ok());
  o.node_id.clear();
  for (std::size_t size : {0, 31}) {  // no key, or one shorter than the MAC
    o.key = std::string(size, 'k');
    EXPECT_FALSE(OpenRedisBus(o, nullptr, {}, SystemClock()).ok()) << size;
  }
}

}  // namespace
}  // namespace jwtd::store
