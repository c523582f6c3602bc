// "A 2xx on any logout/revocation means the revocation is durable" (api.md): after the call
// returns, a new process on the same files (new store handle, new key ring, new service with a
// fresh view loaded from the log) still refuses the tokens.
#include <gtest/gtest.h>

#include <string>

#include "jwtd/auth/access_checker.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/jose/jwks.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using DurabilityTest = TokenServiceTest;

TEST_F(DurabilityTest, RevocationsSurviveARestart) {
  Start();
  Register("alice");
  Register("bob");
  TokenResponse logged_out = Login("alice");
  TokenResponse revoked = Login("alice");
  TokenResponse live = Login("alice");
  TokenResponse bob_a = Login("bob"), bob_b = Login("bob");
  ASSERT_TRUE(service_->Logout(Auth(logged_out.access_token), Client()).ok());
  ASSERT_TRUE(service_->Revoke(revoked.access_token, TokenHint::kAccessToken, Client()).ok());
  ASSERT_TRUE(service_->LogoutAll(Auth(bob_a.access_token), false, Client()).ok());

  Restart();
  EXPECT_EQ(AuthReason(logged_out.access_token), Reason::kSessionEnded);
  EXPECT_EQ(RefreshReason(logged_out.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(revoked.access_token), Reason::kJtiDenied);
  EXPECT_NE(AuthReason(bob_a.access_token), Reason::kNone);
  EXPECT_NE(AuthReason(bob_b.access_token), Reason::kNone);
  // What was not revoked still works, with the same keys.
  EXPECT_EQ(AuthReason(live.access_token), Reason::kNone);
  Refresh(live.refresh_token);
}

TEST_F(DurabilityTest, LoweringAccessTtlCannotReviveALoggedOutToken) {
  // A deny entry lasts the access_ttl + leeway in force when it is written (DenyHorizon); a
  // token minted under a longer access_ttl would outlive it. Such tokens are refused outright.
  options_.access_ttl_seconds = 600;
  Start();
  Register("alice");
  TokenResponse old_ttl = Login("alice");
  options_.access_ttl_seconds = 60;
  Restart();
  EXPECT_EQ(AuthReason(old_ttl.access_token), Reason::kTokenExpired);
  TokenResponse fresh = Refresh(old_ttl.refresh_token);  // the client's answer: refresh
  EXPECT_EQ(AuthReason(fresh.access_token), Reason::kNone);
  ASSERT_TRUE(service_->Logout(Auth(fresh.access_token), Client()).ok());
  clock_.Advance(options_.access_ttl_seconds + options_.leeway_seconds + 1);
  EXPECT_NE(AuthReason(old_ttl.access_token), Reason::kNone);  // never accepted again
}

TEST_F(DurabilityTest, KeyRevocationIsInTheLogForEveryVerifier) {
  // jwtd keys revoke: even a verifier whose key set still holds the key (a resource server's
  // cached JWKS) refuses its tokens once it follows the log.
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  std::string kid;  // the signer of `tokens`
  for (const KeyInfo& key : keys_->List()) {
    if (key.state == KeyState::kActive) kid = key.kid;
  }
  ASSERT_FALSE(kid.empty());
  const std::string cached_jwks = *keys_->public_jwks();  // what a resource server cached
  EXPECT_EQ(service_->RevokeKey("", "test").error().code(), Code::kInvalidArgument);
  // The only key able to sign cannot go: the ring refuses before anything is written.
  EXPECT_EQ(service_->RevokeKey(kid, "test").error().code(), Code::kInvalidArgument);
  ASSERT_TRUE(keys_->Rotate().ok());
  ASSERT_TRUE(service_->RevokeKey(kid, "test").ok());
  ASSERT_TRUE(service_->RevokeKey(kid, "test").ok());               // idempotent: a rerun completes
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kUnknownKid);  // gone from this ring
  Restart();  // a new process: its view comes from the store's log only

  auto cached = jose::KeySet::FromJwks(cached_jwks);
  ASSERT_TRUE(cached.ok()) << cached.error().message();
  jose::VerifyOptions verify;
  verify.issuer = options_.issuer;
  verify.audiences = {options_.audience};
  auto verifier = jose::Verifier::Create(*cached, verify, &clock_);
  ASSERT_TRUE(verifier.ok());
  auto source = FixedVerifierSource(std::move(*verifier));
  auto view = RevocationView::Create(options_.strategies);
  auto sync = RevocationSync::Create({}, &store_->revocation_log(), view.get(), &clock_);
  ASSERT_TRUE(sync.ok());
  ASSERT_TRUE((*sync)->CatchUp().ok());
  auto checker = AccessChecker::Create({}, source.get(), view.get(), sync->get(), &clock_);
  ASSERT_TRUE(checker.ok());
  EXPECT_EQ(ReasonOf((*checker)->Check(tokens.access_token)), Reason::kKeyRevoked);

  // The entry outlives any exp a thief of the private key could write (years, not access_ttl).
  auto log = store_->revocation_log().ReadRevocations(0, clock_.NowSeconds(), 100);
  ASSERT_TRUE(log.ok());
  int found = 0;
  for (const RevocationEntry& e : *log) {
    if (e.kind != RevocationKind::kKey) continue;
    ++found;
    EXPECT_EQ(e.key, kid);
    EXPECT_GT(e.expires_at, clock_.NowSeconds() + 5LL * 365 * 24 * 3600);
  }
  EXPECT_GE(found, 1);
}

TEST_F(DurabilityTest, VersionBumpSurvivesARestartWithoutTheDenylist) {
  options_.strategies.denylist = false;
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  ASSERT_TRUE(service_->LogoutAll(Auth(tokens.access_token), false, Client()).ok());
  Restart();
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kVersionBumped);
}

TEST_F(DurabilityTest, ReuseDetectionSurvivesARestart) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  EXPECT_EQ(RefreshReason(first.refresh_token), Reason::kRefreshReused);
  Restart();
  EXPECT_EQ(AuthReason(second.access_token), Reason::kSessionEnded);
  EXPECT_EQ(RefreshReason(second.refresh_token), Reason::kRefreshRevoked);
}

TEST_F(DurabilityTest, CreateRejectsBadOptionsAndMissingDependencies) {
  Start();
  auto no_store = TokenService::Create(options_, {nullptr, keys_.get(), &clock_});
  ASSERT_FALSE(no_store.ok());
  EXPECT_EQ(no_store.error().code(), Code::kInvalidArgument);
  AuthOptions bad = options_;
  bad.access_ttl_seconds = 0;
  EXPECT_FALSE(TokenService::Create(bad, {store_.get(), keys_.get(), &clock_}).ok());
  bad = options_;
  bad.refresh_grace_seconds = bad.refresh_ttl_seconds;
  EXPECT_FALSE(TokenService::Create(bad, {store_.get(), keys_.get(), &clock_}).ok());
  bad = options_;
  bad.issuer = "https://another.test";  // the ring verifies https://issuer.test
  EXPECT_FALSE(TokenService::Create(bad, {store_.get(), keys_.get(), &clock_}).ok());
  bad = options_;
  bad.password.mem_limit_bytes = 1024;  // below libsodium's minimum
  EXPECT_FALSE(TokenService::Create(bad, {store_.get(), keys_.get(), &clock_}).ok());
}

}  // namespace
}  // namespace jwtd::auth::testing
