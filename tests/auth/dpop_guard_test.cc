// auth::DpopGuard and its replay cache: a proof is accepted once within its window (and refused
// again for as long as its iat could still pass), generations roll without losing a live entry,
// a full cache refuses rather than forgets, and stateless nonces work across guards that share
// the key and expire after two lifetimes.
#include "jwtd/auth/dpop_guard.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/dpop_replay_cache.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/key.h"

namespace jwtd::auth {
namespace {

constexpr std::string_view kUri = "https://auth.example/v1/me";

TEST(DpopReplayCache, AnEntryIsSeenUntilAWholeGenerationHasPassed) {
  DpopReplayCache cache(/*generation_seconds=*/65, /*max_entries=*/1'000'000);
  EXPECT_EQ(cache.Add("k", "j1", 1000), DpopReplayCache::Insert::kNew);
  // Every second of the next 65 (iat window 60 + skew 5): still seen, across a rollover.
  for (std::int64_t t = 1000; t <= 1065; ++t) {
    ASSERT_EQ(cache.Add("k", "j1", t), DpopReplayCache::Insert::kSeen) << t;
  }
  EXPECT_EQ(cache.Add("k", "j2", 1064), DpopReplayCache::Insert::kNew);
  // The same jti under another key is another proof.
  EXPECT_EQ(cache.Add("k2", "j1", 1066), DpopReplayCache::Insert::kNew);
  // Long after: forgotten (its iat can no longer pass the window).
  EXPECT_EQ(cache.Add("k", "j1", 1000 + 3 * 65), DpopReplayCache::Insert::kNew);
}

// The key a proof is remembered and claimed by is base64url(SHA-256(jkt NUL jti)[:16]), the
// SDKs' too (pinned there with the same pair), so every verifier can share one ledger.
TEST(DpopReplayCache, TheKeyIsTheOneTheSdksUse) {
  const auto key =
      DpopReplayCache::KeyOf("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "e1j3V_bKic8-LAEB");
  EXPECT_EQ(jose::Base64UrlEncode(
                std::string_view(reinterpret_cast<const char*>(key.data()), sizeof key)),
            "b3QycQrEfvJ2Eci1SWCL4w");
}

TEST(DpopReplayCache, AFullCacheRefusesInsteadOfForgettingAndFreesWithTime) {
  DpopReplayCache cache(10, /*max_entries=*/4096);  // 2048 per generation
  for (int i = 0; i < 2048; ++i) {
    ASSERT_EQ(cache.Add("k", std::to_string(i), 100), DpopReplayCache::Insert::kNew);
  }
  EXPECT_EQ(cache.Add("k", "one more", 100), DpopReplayCache::Insert::kFull);
  EXPECT_EQ(cache.Add("k", "7", 100), DpopReplayCache::Insert::kSeen);
  EXPECT_EQ(cache.size(), 2048u);
  EXPECT_EQ(cache.Add("k", "one more", 111), DpopReplayCache::Insert::kNew);  // new generation
  EXPECT_EQ(cache.Add("k", "7", 111), DpopReplayCache::Insert::kSeen);        // previous one
  EXPECT_GT(cache.bytes(), 2048u * 16);
}

class DpopGuardTest : public ::testing::Test {
 protected:
  ManualClock clock_{1'700'000'000};
  std::unique_ptr<jose::Key> key_ = std::move(*jose::Key::Generate(jose::Alg::kES256));

  std::unique_ptr<DpopGuard> Guard(std::int64_t nonce_lifetime = 0,
                                   std::string nonce_key = std::string(32, 'k')) {
    DpopGuardOptions o;
    o.mode = DpopMode::kOptional;
    o.nonce_lifetime_seconds = nonce_lifetime;
    o.nonce_key = std::move(nonce_key);
    auto guard = DpopGuard::Create(o, &clock_);
    EXPECT_TRUE(guard.ok()) << guard.error().message();
    return std::move(*guard);
  }
  std::string Proof(std::string_view jti, std::string_view nonce = {}) {
    return *jose::SignDpopProof(*key_, "GET", kUri, clock_.NowSeconds(), jti, {}, nonce);
  }
  static Reason ReasonOf(const Result<std::string>& r) {
    return r.ok() ? Reason::kNone : r.error().reason();
  }
};

TEST_F(DpopGuardTest, AProofPassesOnceAndReturnsItsKeysThumbprint) {
  auto guard = Guard();
  const std::string proof = Proof("a");
  auto first = guard->Check(proof, {"GET", kUri, {}});
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(*first, key_->Thumbprint());
  EXPECT_EQ(ReasonOf(guard->Check(proof, {"GET", kUri, {}})), Reason::kDpopReplayed);
  // A refused proof (wrong method) is not recorded: the right request with it still passes.
  const std::string other = Proof("b");
  EXPECT_EQ(ReasonOf(guard->Check(other, {"POST", kUri, {}})), Reason::kDpopMismatch);
  EXPECT_TRUE(guard->Check(other, {"GET", kUri, {}}).ok());
  EXPECT_EQ(guard->replay_size(), 2u);
}

TEST_F(DpopGuardTest, NoncesAreSharedByGuardsWithOneKeyAndExpire) {
  auto a = Guard(30);
  auto b = Guard(30);
  auto stranger = Guard(30, std::string(32, 'x'));
  const std::string nonce = a->Nonce();
  ASSERT_FALSE(nonce.empty());
  EXPECT_EQ(ReasonOf(b->Check(Proof("n0"), {"GET", kUri, {}})), Reason::kDpopNonce);
  EXPECT_TRUE(b->Check(Proof("n1", nonce), {"GET", kUri, {}}).ok());
  EXPECT_EQ(ReasonOf(stranger->Check(Proof("n2", nonce), {"GET", kUri, {}})), Reason::kDpopNonce);
  clock_.Advance(30);  // the next bucket: the previous one's nonce still serves
  EXPECT_TRUE(a->Check(Proof("n3", nonce), {"GET", kUri, {}}).ok());
  clock_.Advance(30);
  EXPECT_EQ(ReasonOf(a->Check(Proof("n4", nonce), {"GET", kUri, {}})), Reason::kDpopNonce);
  EXPECT_TRUE(a->Check(Proof("n5", a->Nonce()), {"GET", kUri, {}}).ok());
}

TEST_F(DpopGuardTest, BadOptionsAreRefused) {
  DpopGuardOptions o;
  o.nonce_lifetime_seconds = 10;  // without a key
  EXPECT_FALSE(DpopGuard::Create(o, &clock_).ok());
  o = {};
  o.proof.algs.clear();
  EXPECT_FALSE(DpopGuard::Create(o, &clock_).ok());
  o = {};
  o.replay_entries = 10;
  EXPECT_FALSE(DpopGuard::Create(o, &clock_).ok());
  EXPECT_FALSE(DpopGuard::Create({}, nullptr).ok());
}

}  // namespace
}  // namespace jwtd::auth
