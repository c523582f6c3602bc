// Logout, logout-all, the session list and ending another session, with each revocation
// strategy on and off, against the real SQLite store.
#include <gtest/gtest.h>

#include <string>

#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using LogoutTest = TokenServiceTest;

TEST_F(LogoutTest, LogoutRefusesTheSessionAtOnceWithTheDenylist) {
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  TokenResponse other = Login("alice");
  Principal p = Auth(tokens.access_token);
  ASSERT_TRUE(service_->Logout(p, Client()).ok());
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kSessionEnded);
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(other.access_token), Reason::kNone);  // only this session ends
  auto audit = Audit("logout");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].reason, "family_revoked");
  EXPECT_EQ(audit[0].session_id, tokens.session_id);
  // Idempotent.
  EXPECT_TRUE(service_->Logout(p, Client()).ok());
}

TEST_F(LogoutTest, LogoutWithoutDenylistEndsOnlyTheRefreshFamily) {
  options_.strategies.denylist = false;
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  ASSERT_TRUE(service_->Logout(Auth(tokens.access_token), Client()).ok());
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kNone);  // valid until exp, honestly
}

TEST_F(LogoutTest, LogoutByRefreshTokenEndsItsSession) {
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  ASSERT_TRUE(service_->LogoutByRefresh(tokens.refresh_token, Client()).ok());
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(tokens.access_token), Reason::kSessionEnded);
  EXPECT_TRUE(service_->LogoutByRefresh(tokens.refresh_token, Client()).ok());
  EXPECT_TRUE(service_->LogoutByRefresh("unknown", Client()).ok());
  EXPECT_TRUE(service_->LogoutByRefresh("", Client()).ok());
}

TEST_F(LogoutTest, LogoutAllBumpsTheVersionAndRefusesOlderTokens) {
  options_.strategies.denylist = false;  // isolate the version strategy
  Start();
  User alice = Register("alice");
  Register("bob");
  TokenResponse a = Login("alice"), b = Login("alice"), bob = Login("bob");
  auto fresh = service_->LogoutAll(Auth(a.access_token), false, Client());
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();
  EXPECT_FALSE(fresh->has_value());
  EXPECT_EQ(AuthReason(a.access_token), Reason::kVersionBumped);
  EXPECT_EQ(AuthReason(b.access_token), Reason::kVersionBumped);
  EXPECT_EQ(RefreshReason(a.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(RefreshReason(b.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(bob.access_token), Reason::kNone);
  auto user = service_->FindUser(alice.id);
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->token_version, 2);
  // A new login carries the new version and is accepted.
  EXPECT_EQ(Auth(Login("alice").access_token).ver, 2);
  auto audit = Audit("logout_all");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].reason, "version_bumped");
}

TEST_F(LogoutTest, LogoutAllWithOnlyTheDenylistEndsEverySid) {
  options_.strategies.version = false;
  Start();
  User alice = Register("alice");
  TokenResponse a = Login("alice"), b = Login("alice");
  ASSERT_TRUE(service_->LogoutAll(Auth(a.access_token), false, Client()).ok());
  EXPECT_EQ(AuthReason(a.access_token), Reason::kSessionEnded);
  EXPECT_EQ(AuthReason(b.access_token), Reason::kSessionEnded);
  auto user = service_->FindUser(alice.id);
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->token_version, 1);  // untouched without the version strategy
}

TEST_F(LogoutTest, LogoutAllExceptCurrentKeepsTheCallingSession) {
  Start();
  Register("alice");
  TokenResponse mine = Login("alice"), other = Login("alice");
  auto fresh = service_->LogoutAll(Auth(mine.access_token), true, Client());
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();
  ASSERT_TRUE(fresh->has_value());
  const TokenResponse& pair = **fresh;
  EXPECT_EQ(pair.session_id, mine.session_id);
  Principal p = Auth(pair.access_token);
  EXPECT_EQ(p.ver, 2);
  EXPECT_EQ(p.sid, mine.session_id);
  EXPECT_EQ(AuthReason(mine.access_token), Reason::kVersionBumped);  // the old ver is gone
  EXPECT_NE(AuthReason(other.access_token), Reason::kNone);
  EXPECT_EQ(RefreshReason(other.refresh_token), Reason::kRefreshRevoked);
  // Only an access token: the call needs nothing but an access token, so it must not hand out
  // a refresh token (a stolen access token would become a renewable session).
  EXPECT_TRUE(pair.refresh_token.empty());
  TokenResponse next = Refresh(mine.refresh_token);  // the survivor keeps its refresh token
  EXPECT_EQ(Auth(next.access_token).ver, 2);
  EXPECT_EQ(next.session_id, mine.session_id);
}

TEST_F(LogoutTest, LogoutAllExceptCurrentNeverOutlivesTheCallersToken) {
  // A stolen access token must not renew itself: each fresh token is worth no more time than
  // the token that asked for it, so a chain of calls ends at the first token's exp.
  Start();
  Register("alice");
  TokenResponse mine = Login("alice");
  const std::int64_t first_exp = Auth(mine.access_token).exp;
  std::string token = mine.access_token;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(60);
    auto fresh = service_->LogoutAll(Auth(token), true, Client());
    ASSERT_TRUE(fresh.ok());
    ASSERT_TRUE(fresh->has_value());
    const Principal next = Auth((*fresh)->access_token);
    EXPECT_LE(next.exp, first_exp) << "call " << i;
    EXPECT_EQ((*fresh)->expires_in, first_exp - clock_.NowSeconds());
    token = (*fresh)->access_token;
  }
  clock_.Advance(first_exp - clock_.NowSeconds() + options_.leeway_seconds);
  EXPECT_EQ(AuthReason(token), Reason::kTokenExpired);
}

TEST_F(LogoutTest, SessionListShowsLiveSessionsAndTheCurrentOne) {
  Start();
  Register("alice");
  Register("bob");
  TokenResponse a = Login("alice"), b = Login("alice");
  Login("bob");
  TokenResponse ended = Login("alice");
  ASSERT_TRUE(service_->Logout(Auth(ended.access_token), Client()).ok());
  auto list = service_->ListSessions(Auth(a.access_token), std::nullopt, 100);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->sessions.size(), 2u);
  EXPECT_FALSE(list->next.has_value());
  int current = 0;
  for (const SessionInfo& s : list->sessions) {
    EXPECT_TRUE(s.id == a.session_id || s.id == b.session_id);
    EXPECT_EQ(s.user_agent, "test-agent/1.0");
    EXPECT_EQ(s.created_at, kT0);
    current += s.current ? 1 : 0;
    EXPECT_EQ(s.current, s.id == a.session_id);
  }
  EXPECT_EQ(current, 1);
}

TEST_F(LogoutTest, EndSessionEndsOwnSessionsOnly) {
  Start();
  Register("alice");
  Register("bob");
  TokenResponse laptop = Login("alice"), phone = Login("alice"), bob = Login("bob");
  Principal alice = Auth(laptop.access_token);
  auto foreign = service_->EndSession(alice, bob.session_id, Client());
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code(), Code::kNotFound);
  EXPECT_EQ(AuthReason(bob.access_token), Reason::kNone);
  auto missing = service_->EndSession(alice, "no-such-session", Client());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kNotFound);

  ASSERT_TRUE(service_->EndSession(alice, phone.session_id, Client()).ok());
  EXPECT_EQ(AuthReason(phone.access_token), Reason::kSessionEnded);
  EXPECT_EQ(RefreshReason(phone.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(laptop.access_token), Reason::kNone);
  EXPECT_EQ(Audit("session_ended").size(), 1u);
}

}  // namespace
}  // namespace jwtd::auth::testing
