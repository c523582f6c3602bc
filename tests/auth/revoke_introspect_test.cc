// RFC 7009 revocation, RFC 7662 introspection and the operator revocations, against the real
// SQLite store.
#include <gtest/gtest.h>

#include <string>

#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using RevokeTest = TokenServiceTest;

TEST_F(RevokeTest, RevokingAnAccessTokenDeniesItsJtiOnly) {
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  ASSERT_TRUE(service_->Revoke(tokens.access_token, TokenHint::kAccessToken, Client()).ok());
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kJtiDenied);
  // The session lives on: its refresh token still rotates and the new access token works.
  TokenResponse next = Refresh(tokens.refresh_token);
  EXPECT_EQ(AuthReason(next.access_token), Reason::kNone);
  auto audit = Audit("revoke");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].reason, "jti_denied");
  EXPECT_EQ(audit[0].session_id, tokens.session_id);
}

TEST_F(RevokeTest, AWrongHintStillFindsTheToken) {
  Start();
  Register("alice");
  TokenResponse a = Login("alice"), b = Login("alice");
  ASSERT_TRUE(service_->Revoke(a.access_token, TokenHint::kRefreshToken, Client()).ok());
  EXPECT_EQ(AuthReason(a.access_token), Reason::kJtiDenied);
  ASSERT_TRUE(service_->Revoke(b.refresh_token, TokenHint::kAccessToken, Client()).ok());
  EXPECT_EQ(RefreshReason(b.refresh_token), Reason::kRefreshRevoked);
}

TEST_F(RevokeTest, RevokingARefreshTokenEndsTheFamilyAndItsAccessTokens) {
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  ASSERT_TRUE(service_->Revoke(tokens.refresh_token, TokenHint::kRefreshToken, Client()).ok());
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kSessionEnded);
}

TEST_F(RevokeTest, UnknownGarbageExpiredAndForeignTokensAreOk) {
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  for (TokenHint hint : {TokenHint::kNone, TokenHint::kAccessToken, TokenHint::kRefreshToken}) {
    EXPECT_TRUE(service_->Revoke("", hint, Client()).ok());
    EXPECT_TRUE(service_->Revoke("garbage", hint, Client()).ok());
    EXPECT_TRUE(service_->Revoke("a.b.c", hint, Client()).ok());
    EXPECT_TRUE(service_->Revoke(std::string(1 << 20, 'x'), hint, Client()).ok());
  }
  // A token signed by someone else's key is not ours to revoke.
  KeyRingOptions foreign_options;
  foreign_options.directory = root_ + "/foreign-keys";
  auto foreign = KeyRing::Open(foreign_options, &clock_);
  ASSERT_TRUE(foreign.ok());
  auto forged = (*foreign)->signer()->Sign(
      R"({"iss":"https://issuer.test","aud":"jwtd","sub":"1","jti":"j","sid":"s","ver":1,"exp":)" +
      std::to_string(kT0 + 600) + "}");
  ASSERT_TRUE(forged.ok());
  EXPECT_TRUE(service_->Revoke(*forged, TokenHint::kNone, Client()).ok());
  EXPECT_TRUE(Audit("revoke").empty());
  // An expired access token needs nothing.
  clock_.Advance(options_.access_ttl_seconds + options_.leeway_seconds + 1);
  EXPECT_TRUE(service_->Revoke(tokens.access_token, TokenHint::kAccessToken, Client()).ok());
  EXPECT_TRUE(Audit("revoke").empty());
  // The refresh token was untouched by all of the above.
  Refresh(tokens.refresh_token);
}

TEST_F(RevokeTest, IntrospectionOfLiveTokens) {
  Start();
  User alice = Register("alice");
  auto tokens = service_->Login("alice", kPassword, "read", Client());
  ASSERT_TRUE(tokens.ok());
  auto access = service_->Introspect(tokens->access_token, TokenHint::kNone);
  ASSERT_TRUE(access.ok());
  EXPECT_TRUE(access->active);
  EXPECT_EQ(access->token_type, "access_token");
  EXPECT_EQ(access->user_id, alice.id);
  EXPECT_EQ(access->username, "alice");
  EXPECT_EQ(access->sid, tokens->session_id);
  EXPECT_EQ(access->scope, "read");
  EXPECT_EQ(access->exp, kT0 + options_.access_ttl_seconds);
  EXPECT_EQ(access->iat, kT0);
  ASSERT_TRUE(access->claims.has_value());
  EXPECT_EQ(access->claims->jti(), Auth(tokens->access_token).jti);

  auto refresh = service_->Introspect(tokens->refresh_token, TokenHint::kNone);
  ASSERT_TRUE(refresh.ok());
  EXPECT_TRUE(refresh->active);
  EXPECT_EQ(refresh->token_type, "refresh_token");
  EXPECT_EQ(refresh->username, "alice");
  EXPECT_EQ(refresh->sid, tokens->session_id);
  EXPECT_EQ(refresh->exp, kT0 + options_.refresh_ttl_seconds);
}

TEST_F(RevokeTest, IntrospectionOfDeadTokensSaysOnlyInactive) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  TokenResponse revoked = Login("alice");
  ASSERT_TRUE(service_->Revoke(revoked.access_token, TokenHint::kNone, Client()).ok());
  auto inactive = [&](const std::string& token) {
    auto r = service_->Introspect(token, TokenHint::kNone);
    EXPECT_TRUE(r.ok());
    return r.ok() && !r->active && r->token_type.empty() && !r->claims && r->username.empty();
  };
  EXPECT_TRUE(inactive(first.refresh_token));  // spent by rotation
  EXPECT_TRUE(inactive(revoked.access_token));
  EXPECT_TRUE(inactive("garbage"));
  EXPECT_TRUE(inactive(""));
  EXPECT_FALSE(inactive(second.refresh_token));
  clock_.Advance(options_.access_ttl_seconds + options_.leeway_seconds);
  EXPECT_TRUE(inactive(second.access_token));  // expired
}

// The store-free answer (for the I/O thread) is Introspect's answer or nothing: an access token
// needs its user cached (Introspect fills it), which stays fresh for kUserFreshNanos.
TEST_F(RevokeTest, IntrospectionWithoutStoreAnswersOnlyWhatIntrospectWould) {
  Start();
  User alice = Register("alice");
  TokenResponse t = Login("alice");
  EXPECT_FALSE(service_->IntrospectWithoutStore(t.access_token, TokenHint::kNone));  // not cached
  auto slow = service_->Introspect(t.access_token, TokenHint::kNone);
  ASSERT_TRUE(slow.ok() && slow->active);
  auto fast = service_->IntrospectWithoutStore(t.access_token, TokenHint::kAccessToken);
  ASSERT_TRUE(fast.has_value());
  EXPECT_TRUE(fast->active);
  EXPECT_EQ(fast->username, "alice");
  EXPECT_EQ(fast->user_id, alice.id);
  EXPECT_EQ(fast->sid, slow->sid);
  EXPECT_EQ(fast->exp, slow->exp);
  // A refresh token (or what could be one) always needs the store; a broken JWS never does.
  EXPECT_FALSE(service_->IntrospectWithoutStore(t.refresh_token, TokenHint::kNone));
  EXPECT_FALSE(service_->IntrospectWithoutStore("garbage", TokenHint::kNone));
  auto garbage = service_->IntrospectWithoutStore("not.a.token", TokenHint::kNone);
  ASSERT_TRUE(garbage.has_value());
  EXPECT_FALSE(garbage->active);
  // Revoked: refused by the view, with no store read.
  ASSERT_TRUE(service_->Revoke(t.access_token, TokenHint::kNone, Client()).ok());
  auto revoked = service_->IntrospectWithoutStore(t.access_token, TokenHint::kNone);
  ASSERT_TRUE(revoked.has_value());
  EXPECT_FALSE(revoked->active);
  // The cached row goes stale after its freshness bound: the store is asked again.
  TokenResponse u = Login("alice");
  ASSERT_TRUE(service_->Introspect(u.access_token, TokenHint::kNone)->active);
  ASSERT_TRUE(service_->IntrospectWithoutStore(u.access_token, TokenHint::kNone).has_value());
  clock_.Advance(1);  // kUserFreshNanos
  EXPECT_FALSE(service_->IntrospectWithoutStore(u.access_token, TokenHint::kNone));
  // A disabled user's token is never active again, with or without the store.
  ASSERT_TRUE(service_->Introspect(u.access_token, TokenHint::kNone)->active);
  ASSERT_TRUE(service_->SetUserDisabled(alice.id, true, "test").ok());
  clock_.Advance(1);
  auto disabled = service_->Introspect(u.access_token, TokenHint::kNone);
  ASSERT_TRUE(disabled.ok());
  EXPECT_FALSE(disabled->active);
  auto after = service_->IntrospectWithoutStore(u.access_token, TokenHint::kNone);
  EXPECT_TRUE(!after || !after->active);
}

TEST_F(RevokeTest, OperatorRevocations) {
  Start();
  User alice = Register("alice");
  TokenResponse a = Login("alice"), b = Login("alice"), c = Login("alice");
  Principal pa = Auth(a.access_token);
  ASSERT_TRUE(service_->RevokeJti(pa.jti, pa.exp, "ops").ok());
  EXPECT_EQ(AuthReason(a.access_token), Reason::kJtiDenied);

  ASSERT_TRUE(service_->RevokeSession(b.session_id, "ops").ok());
  EXPECT_EQ(AuthReason(b.access_token), Reason::kSessionEnded);
  auto missing = service_->RevokeSession("no-such-session", "ops");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);

  ASSERT_TRUE(service_->RevokeUser(alice.id, "ops").ok());
  EXPECT_NE(AuthReason(c.access_token), Reason::kNone);
  EXPECT_EQ(RefreshReason(c.refresh_token), Reason::kRefreshRevoked);
  auto nobody = service_->RevokeUser(alice.id + 1000, "ops");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().code(), Code::kNotFound);
  auto audit = Audit("revoke_user");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].detail, "actor=ops");
}

TEST_F(RevokeTest, JtiRevocationNeedsTheDenylist) {
  options_.strategies.denylist = false;
  Start();
  auto r = service_->RevokeJti("some-jti", kT0 + 600, "ops");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace jwtd::auth::testing
