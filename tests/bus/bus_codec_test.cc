// The bus's wire format: round trips and strict refusal of anything malformed.
#include "store/redis/bus_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace jwtd::store::redis {
namespace {

TEST(BusCodecTest, EntryRoundTripsWithAKeyHoldingSpaces) {
  auth::RevocationEntry e{.seq = 42,
                          .kind = auth::RevocationKind::kUserVersion,
                          .key = "a key with spaces",
                          .value = 7,
                          .expires_at = 1'700'003'600,
                          .created_at = 1'700'000'000};
  auto decoded = DecodeMessage(EncodeEntry(e));
  ASSERT_TRUE(decoded.has_value());
  auto* d = std::get_if<auth::RevocationEntry>(&*decoded);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->seq, 42);
  EXPECT_EQ(d->kind, auth::RevocationKind::kUserVersion);
  EXPECT_EQ(d->key, "a key with spaces");
  EXPECT_EQ(d->value, 7);
  EXPECT_EQ(d->expires_at, 1'700'003'600);
  EXPECT_EQ(d->created_at, 1'700'000'000);
}

TEST(BusCodecTest, HeartbeatRoundTrips) {
  auto decoded = DecodeMessage(EncodeHeartbeat({.max_seq = 9, .sent_at_ms = 123, .node_id = "n1"}));
  ASSERT_TRUE(decoded.has_value());
  auto* hb = std::get_if<Heartbeat>(&*decoded);
  ASSERT_NE(hb, nullptr);
  EXPECT_EQ(hb->max_seq, 9);
  EXPECT_EQ(hb->sent_at_ms, 123);
  EXPECT_EQ(hb->node_id, "n1");
}

TEST(BusCodecTest, RefusesMalformedMessages) {
  for (const char* bad :
       {"", "E", "E ", "X 1 1 0 0 0 k", "E 0 1 0 0 0 k", "E 1 9 0 0 0 k", "E 1 0 0 0 0 k",
        "E 1 1 0 0 0", "E 1 1 0 0 0 ", "E -1 1 0 0 0 k", "E 01 1 0 0 0 k", "E 1x 1 0 0 0 k",
        "E 1 1 0 0  k", "H 1 2", "H 1 2 ", "H 1 2 a b", "H a 2 n", "e 1 1 0 0 0 k",
        "E 99999999999999999999 1 0 0 0 k"}) {
    EXPECT_FALSE(DecodeMessage(bad).has_value()) << bad;
  }
  EXPECT_FALSE(DecodeMessage("E 1 1 0 0 0 " + std::string(kMaxMessageBytes, 'k')).has_value());
}

}  // namespace
}  // namespace jwtd::store::redis
