// Store contract, the SSF outbox sweep: SweepDeliveredEvents(before) deletes the security
// events older than `before` that no stream can deliver any more — at or below the watermark of
// every stream that is not disabled, or every old one when there is no stream — and never one
// that a stream still has queued.
#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::SecurityEvent;
using auth::SecurityEventKind;
using auth::StoreTx;

constexpr std::int64_t kNow = 1'700'000'000;  // StoreTest::kNow
constexpr std::int64_t kOld = kNow - 7200;
constexpr std::int64_t kBefore = kNow - 3600;

class StoreOutboxSweepTest : public StoreTest {
 protected:
  void Append(std::int64_t at, const char* sid) {
    Commit([&](StoreTx& tx) -> Result<void> {
      SecurityEvent e;
      e.kind = SecurityEventKind::kSessionRevoked;
      e.user_id = 7;
      e.session_id = sid;
      e.reason = "logout";
      e.at = at;
      return tx.AppendSecurityEvent(e);
    });
  }

  std::int64_t Sweep(std::int64_t before) {
    auto swept = store_->SweepDeliveredEvents(before);
    EXPECT_TRUE(swept.ok()) << swept.error().message();
    return swept.ok() ? *swept : -1;
  }

  // The session ids still queued for `stream`, in order.
  std::vector<std::string> Queued(const auth::SsfStream& stream) {
    std::vector<std::string> sids;
    Commit([&](StoreTx& tx) -> Result<void> {
      sids.clear();
      auto pending = tx.ssf()->Pending(stream, 100);
      if (!pending.ok()) return pending.error();
      for (const auto& e : *pending) sids.push_back(e.session_id);
      return Ok();
    });
    return sids;
  }

  std::vector<std::int64_t> QueuedIds(const auth::SsfStream& stream) {
    std::vector<std::int64_t> ids;
    Commit([&](StoreTx& tx) -> Result<void> {
      ids.clear();
      auto pending = tx.ssf()->Pending(stream, 100);
      if (!pending.ok()) return pending.error();
      for (const auto& e : *pending) ids.push_back(e.id);
      return Ok();
    });
    return ids;
  }

  auth::SsfStream NewStream(const char* id) {
    auth::SsfStream s;
    s.id = id;
    s.client = "rs1";
    s.audience = "rs1";
    s.kinds = 1u << static_cast<unsigned>(SecurityEventKind::kSessionRevoked);
    s.delivery_method = "urn:ietf:rfc:8936";
    Commit([&](StoreTx& tx) { return tx.ssf()->InsertStream(s); });
    return s;
  }
};

TEST_P(StoreOutboxSweepTest, WithoutStreamsEveryOldEventGoes) {
  Append(kOld, "a");
  Append(kOld, "b");
  Append(kBefore, "c");  // at == before is kept
  Append(kNow, "d");
  EXPECT_EQ(Sweep(kBefore), 2);
  EXPECT_EQ(Sweep(kBefore), 0);
  EXPECT_EQ(Sweep(kNow + 1), 2);
}

// The adapters that keep SSF streams (the memory store has none: ssf() is null).
class StoreOutboxStreamsTest : public StoreOutboxSweepTest {};

TEST_P(StoreOutboxStreamsTest, AnEventAStreamStillHasQueuedStays) {
  Append(kOld, "before-any-stream");
  auth::SsfStream lagging = NewStream("lagging");
  Append(kOld, "a");
  Append(kOld, "b");
  Append(kNow, "c");
  // Only what came before every stream can go; the lagging stream still has a, b and c.
  EXPECT_EQ(Sweep(kBefore), 1);
  EXPECT_EQ(Queued(lagging), (std::vector<std::string>{"a", "b", "c"}));

  // Acknowledged (and settled): a and b leave the queue, and then the outbox.
  auto ids = QueuedIds(lagging);
  ASSERT_EQ(ids.size(), 3u);
  Commit([&](StoreTx& tx) -> Result<void> {
    auto acked = tx.ssf()->Acknowledge("lagging", {ids[0], ids[1]}, kNow);
    if (!acked.ok()) return acked.error();
    EXPECT_EQ(*acked, 2);
    return Ok();
  });
  // A second stream created now holds nothing back: it starts after the outbox's last id.
  auth::SsfStream late = NewStream("late");
  EXPECT_EQ(Sweep(kBefore), 2);
  EXPECT_EQ(Queued(lagging), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(Queued(late).empty());

  // A disabled stream holds nothing back either (it skips its backlog when it leaves that state).
  Append(kOld, "d");
  lagging.status = "disabled";
  Commit([&](StoreTx& tx) { return tx.ssf()->UpdateStream(lagging); });
  late.status = "disabled";
  Commit([&](StoreTx& tx) { return tx.ssf()->UpdateStream(late); });
  EXPECT_EQ(Sweep(kBefore), 1);  // d; c is too young
  EXPECT_EQ(Sweep(kNow + 1), 1);
}

INSTANTIATE_TEST_SUITE_P(Adapters, StoreOutboxSweepTest, ::testing::ValuesIn(StoreFactories()),
                         FactoryName);

INSTANTIATE_TEST_SUITE_P(StreamAdapters, StoreOutboxStreamsTest,
                         ::testing::ValuesIn(DurableFactories()), FactoryName);

}  // namespace
}  // namespace jwtd::store::testing
