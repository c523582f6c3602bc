// The sealed grace-window successor: opens only with the token it was sealed under and the same
// session, and any flipped byte is refused (AES-256-GCM, HKDF-SHA256 key).
#include "auth/successor_seal.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/refresh_token.h"

namespace jwtd::auth {
namespace {

SuccessorPair Pair() {
  return {"header.claims.sig", 1'700'000'900, "refresh-token", 1'702'592'000, "read"};
}

TEST(SuccessorSealTest, OpensWithTheSameTokenAndSession) {
  const std::string token = GenerateRefreshToken().token;
  auto sealed = SealSuccessor(token, "sid-1", Pair());
  ASSERT_TRUE(sealed.ok());
  auto opened = OpenSuccessor(token, "sid-1", *sealed);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->access_token, Pair().access_token);
  EXPECT_EQ(opened->access_expires_at, Pair().access_expires_at);
  EXPECT_EQ(opened->refresh_token, Pair().refresh_token);
  EXPECT_EQ(opened->refresh_expires_at, Pair().refresh_expires_at);
  EXPECT_EQ(opened->scope, "read");
  EXPECT_EQ(sealed->find("refresh-token"), std::string::npos);  // nothing in clear
}

TEST(SuccessorSealTest, RefusesAnotherTokenOrSession) {
  const std::string token = GenerateRefreshToken().token;
  auto sealed = SealSuccessor(token, "sid-1", Pair());
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(OpenSuccessor(GenerateRefreshToken().token, "sid-1", *sealed).ok());
  EXPECT_FALSE(OpenSuccessor(token, "sid-2", *sealed).ok());
}

TEST(SuccessorSealTest, EveryFlippedBitAndTruncationIsRefused) {
  const std::string token = GenerateRefreshToken().token;
  auto sealed = SealSuccessor(token, "sid-1", Pair());
  ASSERT_TRUE(sealed.ok());
  for (std::size_t i = 0; i < sealed->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = *sealed;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      EXPECT_FALSE(OpenSuccessor(token, "sid-1", flipped).ok()) << i << ":" << bit;
    }
  }
  for (std::size_t n = 0; n < sealed->size(); ++n) {
    EXPECT_FALSE(OpenSuccessor(token, "sid-1", sealed->substr(0, n)).ok()) << n;
  }
}

TEST(SuccessorSealTest, TwoSealsOfOnePairDiffer) {
  const std::string token = GenerateRefreshToken().token;
  auto a = SealSuccessor(token, "sid-1", Pair());
  auto b = SealSuccessor(token, "sid-1", Pair());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // fresh nonce each time
}

TEST(RefreshTokenTest, TokensAreLongRandomAndStoredAsSha256) {
  NewRefreshToken a = GenerateRefreshToken(), b = GenerateRefreshToken();
  EXPECT_EQ(a.token.size(), 43u);  // 32 bytes base64url
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(a.hash.size(), 32u);
  EXPECT_EQ(a.hash, HashRefreshToken(a.token));
  EXPECT_NE(a.hash, b.hash);
  // SHA-256("abc"), FIPS 180-2 B.1.
  EXPECT_EQ(HashRefreshToken("abc"),
            std::string("\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23"
                        "\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad",
                        32));
  EXPECT_TRUE(ConstantTimeEquals(a.hash, HashRefreshToken(a.token)));
  EXPECT_FALSE(ConstantTimeEquals(a.hash, b.hash));
  EXPECT_FALSE(ConstantTimeEquals(a.hash, a.hash.substr(1)));
}

}  // namespace
}  // namespace jwtd::auth
