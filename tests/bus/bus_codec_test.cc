// The bus's wire format: round trips, strict refusal of anything malformed, and HMAC-SHA256
// authentication (a wrong, absent or altered MAC, or another key, is refused before parsing).
#include "store/redis/bus_codec.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace jwtd::store::redis {
namespace {

const std::string kKey(64, 'a');
const std::string kOtherKey(64, 'b');

auth::RevocationEntry SampleEntry() {
  return {.seq = 42,
          .kind = auth::RevocationKind::kUserVersion,
          .key = "a key with spaces",
          .value = 7,
          .expires_at = 1'700'003'600,
          .created_at = 1'700'000'000};
}

TEST(BusCodecTest, EntryRoundTripsWithAKeyHoldingSpaces) {
  auto decoded = DecodeMessage(EncodeEntry(SampleEntry(), kKey), kKey);
  ASSERT_EQ(decoded.status, DecodeStatus::kOk);
  auto* d = std::get_if<auth::RevocationEntry>(&*decoded.message);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->seq, 42);
  EXPECT_EQ(d->kind, auth::RevocationKind::kUserVersion);
  EXPECT_EQ(d->key, "a key with spaces");
  EXPECT_EQ(d->value, 7);
  EXPECT_EQ(d->expires_at, 1'700'003'600);
  EXPECT_EQ(d->created_at, 1'700'000'000);
}

TEST(BusCodecTest, HeartbeatRoundTrips) {
  auto decoded = DecodeMessage(
      EncodeHeartbeat({.max_seq = 9, .sent_at_ms = 123, .node_id = "n1"}, kKey), kKey);
  ASSERT_EQ(decoded.status, DecodeStatus::kOk);
  auto* hb = std::get_if<Heartbeat>(&*decoded.message);
  ASSERT_NE(hb, nullptr);
  EXPECT_EQ(hb->max_seq, 9);
  EXPECT_EQ(hb->sent_at_ms, 123);
  EXPECT_EQ(hb->node_id, "n1");
}

TEST(BusCodecTest, TheMacIsHmacSha256OfTheBody) {
  // Against an independent computation (Python's hmac module): HMAC-SHA256 under 64 x 'a' of
  // "jwtd-bus-v1\nH 9 123 n1".
  const std::string sealed =
      EncodeHeartbeat({.max_seq = 9, .sent_at_ms = 123, .node_id = "n1"}, kKey);
  EXPECT_EQ(sealed.substr(64), " H 9 123 n1");
  EXPECT_EQ(sealed.substr(0, 64),
            "2c5720c454278836b8371030973996d0e58ca9c5aa535071e35edd7b0d0561c6");
}

TEST(BusCodecTest, RefusesMessagesWithoutAValidMac) {
  const std::string good = EncodeEntry(SampleEntry(), kKey);
  const std::string body = good.substr(65);
  EXPECT_EQ(DecodeMessage(body, kKey).status, DecodeStatus::kUnauthenticated);  // the old format
  EXPECT_EQ(DecodeMessage(good, kOtherKey).status, DecodeStatus::kUnauthenticated);
  EXPECT_EQ(DecodeMessage(good, "").status, DecodeStatus::kUnauthenticated);
  EXPECT_EQ(DecodeMessage(std::string(64, '0') + " " + body, kKey).status,
            DecodeStatus::kUnauthenticated);
  std::string altered = good;
  altered.back() = 'X';  // the revoked key changed, the MAC kept
  EXPECT_EQ(DecodeMessage(altered, kKey).status, DecodeStatus::kUnauthenticated);
  std::string flipped = good;
  flipped[0] = flipped[0] == 'f' ? 'e' : 'f';
  EXPECT_EQ(DecodeMessage(flipped, kKey).status, DecodeStatus::kUnauthenticated);
  std::string upper = good;
  for (std::size_t i = 0; i < 64; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  if (upper != good) {
    EXPECT_EQ(DecodeMessage(upper, kKey).status, DecodeStatus::kUnauthenticated);
  }
  EXPECT_TRUE(EncodeEntry(SampleEntry(), "").empty());  // no key, nothing that could verify
}

TEST(BusCodecTest, RefusesMalformedAuthenticMessages) {
  for (const char* bad :
       {"", "E", "E ", "X 1 1 0 0 0 k", "E 0 1 0 0 0 k", "E 1 9 0 0 0 k", "E 1 0 0 0 0 k",
        "E 1 1 0 0 0", "E 1 1 0 0 0 ", "E -1 1 0 0 0 k", "E 01 1 0 0 0 k", "E 1x 1 0 0 0 k",
        "E 1 1 0 0  k", "H 1 2", "H 1 2 ", "H 1 2 a b", "H a 2 n", "e 1 1 0 0 0 k",
        "E 99999999999999999999 1 0 0 0 k"}) {
    // Sealed with the right key: the MAC passes and the body parser refuses.
    const auto decoded = DecodeMessage(Seal(bad, kKey), kKey);
    EXPECT_EQ(decoded.status, DecodeStatus::kMalformed) << bad;
    EXPECT_FALSE(decoded.message.has_value()) << bad;
  }
  const auto huge = DecodeMessage(
      EncodeEntry(
          {.seq = 1, .kind = auth::RevocationKind::kJti, .key = std::string(kMaxMessageBytes, 'k')},
          kKey),
      kKey);
  EXPECT_EQ(huge.status, DecodeStatus::kUnauthenticated);  // too long: not even authenticated
}

}  // namespace
}  // namespace jwtd::store::redis
