// Refresh rotation against the real SQLite store (RFC 9700 §4.14.2): rotation, reuse detection
// revoking the family, the grace window returning the identical pair, concurrent refreshes, and
// idle/absolute lifetimes.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/refresh_token.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using RefreshTest = TokenServiceTest;

TEST_F(RefreshTest, RotationSpendsTheTokenAndIssuesANewPair) {
  Start();
  User alice = Register("alice");
  TokenResponse first = Login("alice");
  clock_.Advance(60);
  TokenResponse second = Refresh(first.refresh_token);
  EXPECT_NE(second.refresh_token, first.refresh_token);
  EXPECT_NE(second.access_token, first.access_token);
  EXPECT_EQ(second.session_id, first.session_id);
  EXPECT_EQ(second.refresh_expires_in, options_.refresh_ttl_seconds);  // idle lifetime renewed
  Principal p = Auth(second.access_token);
  EXPECT_EQ(p.user_id, alice.id);
  EXPECT_EQ(p.sid, first.session_id);
  EXPECT_EQ(Audit("refresh").size(), 1u);
  // The new token rotates again; the stored state follows.
  TokenResponse third = Refresh(second.refresh_token);
  Read([&](StoreTx& tx) -> Result<void> {
    auto session = tx.LockSession(first.session_id);
    EXPECT_TRUE(session.ok() && session->has_value());
    EXPECT_EQ((*session)->generation, 3);
    auto spent = tx.FindRefresh(HashRefreshToken(second.refresh_token));
    EXPECT_TRUE(spent.ok() && spent->has_value());
    EXPECT_EQ((*spent)->state, RefreshState::kRotated);
    EXPECT_TRUE((*spent)->sealed_successor.empty());  // grace off: nothing kept
    auto current = tx.FindRefresh(HashRefreshToken(third.refresh_token));
    EXPECT_TRUE(current.ok() && current->has_value());
    EXPECT_EQ((*current)->state, RefreshState::kCurrent);
    return Ok();
  });
}

TEST_F(RefreshTest, UnknownAndGarbageTokensAreUnknown) {
  Start();
  EXPECT_EQ(RefreshReason(""), Reason::kRefreshUnknown);
  EXPECT_EQ(RefreshReason("not-a-token"), Reason::kRefreshUnknown);
  EXPECT_EQ(RefreshReason(std::string(100'000, 'x')), Reason::kRefreshUnknown);
}

TEST_F(RefreshTest, ReuseRevokesTheFamilyAndItsAccessTokens) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  auto replay = service_->Refresh(first.refresh_token, Client("203.0.113.66"));
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(replay.error().reason(), Reason::kRefreshReused);
  // The legitimate holder's branch is dead too, and (denylist) every access token of the sid.
  EXPECT_EQ(RefreshReason(second.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(second.access_token), Reason::kSessionEnded);
  EXPECT_EQ(AuthReason(first.access_token), Reason::kSessionEnded);
  auto audit = Audit("reuse_detected");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].reason, "family_revoked");
  EXPECT_EQ(audit[0].session_id, first.session_id);
  EXPECT_EQ(audit[0].client_ip, "203.0.113.66");
  // Other sessions of the user live on.
  TokenResponse other = Login("alice");
  Auth(other.access_token);
  Refresh(other.refresh_token);
}

TEST_F(RefreshTest, ReuseWithoutDenylistLeavesAccessTokensToExpire) {
  options_.strategies.denylist = false;
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  EXPECT_EQ(RefreshReason(first.refresh_token), Reason::kRefreshReused);
  EXPECT_EQ(RefreshReason(second.refresh_token), Reason::kRefreshRevoked);
  // Nothing refuses the access token before exp: that is what the denylist strategy is for.
  EXPECT_EQ(AuthReason(second.access_token), Reason::kNone);
  clock_.Advance(options_.access_ttl_seconds + options_.leeway_seconds);
  EXPECT_EQ(AuthReason(second.access_token), Reason::kTokenExpired);
}

TEST_F(RefreshTest, GraceWindowReplayReturnsTheIdenticalPair) {
  options_.refresh_grace_seconds = 10;
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  clock_.Advance(5);
  TokenResponse replay = Refresh(first.refresh_token);
  EXPECT_EQ(replay.access_token, second.access_token);
  EXPECT_EQ(replay.refresh_token, second.refresh_token);
  EXPECT_EQ(replay.session_id, second.session_id);
  EXPECT_EQ(replay.expires_in, second.expires_in - 5);
  EXPECT_EQ(replay.refresh_expires_in, second.refresh_expires_in - 5);
  // The stored seal is not the pair in clear.
  Read([&](StoreTx& tx) -> Result<void> {
    auto spent = tx.FindRefresh(HashRefreshToken(first.refresh_token));
    EXPECT_TRUE(spent.ok() && spent->has_value());
    const std::string& sealed = (*spent)->sealed_successor;
    EXPECT_FALSE(sealed.empty());
    EXPECT_EQ(sealed.find(second.refresh_token), std::string::npos);
    EXPECT_EQ(sealed.find(second.access_token.substr(0, 20)), std::string::npos);
    return Ok();
  });
  // The successor rotates normally; a replay of it inside its own window gets its successor.
  TokenResponse third = Refresh(second.refresh_token);
  EXPECT_NE(third.refresh_token, second.refresh_token);
  EXPECT_EQ(Refresh(second.refresh_token).refresh_token, third.refresh_token);
}

TEST_F(RefreshTest, GraceWindowReplayOfAnOlderGenerationIsReuse) {
  options_.refresh_grace_seconds = 10;
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  TokenResponse third = Refresh(second.refresh_token);
  // first's successor (second) is spent already: replaying first would fork the family.
  EXPECT_EQ(RefreshReason(first.refresh_token), Reason::kRefreshReused);
  EXPECT_EQ(RefreshReason(third.refresh_token), Reason::kRefreshRevoked);
}

TEST_F(RefreshTest, ReplayAfterTheGraceWindowIsReuse) {
  options_.refresh_grace_seconds = 10;
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  clock_.Advance(11);
  EXPECT_EQ(RefreshReason(first.refresh_token), Reason::kRefreshReused);
  EXPECT_EQ(RefreshReason(second.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(second.access_token), Reason::kSessionEnded);
}

// Runs Refresh(token) on `n` threads released together; returns the outcomes.
std::vector<Result<TokenResponse>> RefreshConcurrently(TokenService& service,
                                                       const std::string& token, int n) {
  std::vector<std::optional<Result<TokenResponse>>> slots(n);
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      slots[i].emplace(service.Refresh(token, Client()));
    });
  }
  for (auto& t : threads) t.join();
  std::vector<Result<TokenResponse>> out;
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

TEST_F(RefreshTest, ConcurrentRefreshWithoutGraceHasExactlyOneWinner) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  auto outcomes = RefreshConcurrently(*service_, first.refresh_token, 32);
  int wins = 0, reused = 0;
  std::string winner;
  for (const auto& r : outcomes) {
    if (r.ok()) {
      ++wins;
      winner = r->refresh_token;
    } else if (r.error().reason() == Reason::kRefreshReused ||
               r.error().reason() == Reason::kRefreshRevoked) {
      ++reused;
    }
  }
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(reused, 31);
  // Concurrent presentation of one token is indistinguishable from theft: the family is ended,
  // so no live refresh token remains, the winner's included.
  EXPECT_EQ(RefreshReason(winner), Reason::kRefreshRevoked);
}

TEST_F(RefreshTest, ConcurrentRefreshWithGraceAllGetTheSamePair) {
  options_.refresh_grace_seconds = 30;
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  auto outcomes = RefreshConcurrently(*service_, first.refresh_token, 32);
  std::set<std::string> refresh_tokens, access_tokens;
  for (const auto& r : outcomes) {
    ASSERT_TRUE(r.ok()) << r.error().message();
    refresh_tokens.insert(r->refresh_token);
    access_tokens.insert(r->access_token);
  }
  EXPECT_EQ(refresh_tokens.size(), 1u);
  EXPECT_EQ(access_tokens.size(), 1u);
  // Exactly one live refresh token: generation 2, current; the first one spent.
  const std::string successor = *refresh_tokens.begin();
  Read([&](StoreTx& tx) -> Result<void> {
    auto session = tx.LockSession(first.session_id);
    EXPECT_TRUE(session.ok() && session->has_value());
    EXPECT_EQ((*session)->generation, 2);
    EXPECT_TRUE((*session)->live());
    auto live = tx.FindRefresh(HashRefreshToken(successor));
    EXPECT_TRUE(live.ok() && live->has_value());
    EXPECT_EQ((*live)->state, RefreshState::kCurrent);
    EXPECT_EQ((*live)->generation, 2);
    auto spent = tx.FindRefresh(HashRefreshToken(first.refresh_token));
    EXPECT_TRUE(spent.ok() && spent->has_value());
    EXPECT_EQ((*spent)->state, RefreshState::kRotated);
    return Ok();
  });
  Refresh(successor);
}

TEST_F(RefreshTest, IdleLifetimeExpiresAndRenewsOnRotation) {
  options_.refresh_ttl_seconds = 100;
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  clock_.Advance(60);
  tokens = Refresh(tokens.refresh_token);
  clock_.Advance(60);  // 120 s after login, 60 after the rotation
  tokens = Refresh(tokens.refresh_token);
  clock_.Advance(100);
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kRefreshExpired);
}

TEST_F(RefreshTest, AbsoluteLifetimeCapsTheSession) {
  options_.refresh_ttl_seconds = 100;
  options_.session_absolute_ttl_seconds = 150;
  Start();
  Register("alice");
  TokenResponse tokens = Login("alice");
  EXPECT_EQ(tokens.refresh_expires_in, 100);
  clock_.Advance(60);
  tokens = Refresh(tokens.refresh_token);
  clock_.Advance(60);
  tokens = Refresh(tokens.refresh_token);
  EXPECT_EQ(tokens.refresh_expires_in, 30);  // capped by the absolute lifetime
  clock_.Advance(30);
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kRefreshExpired);
}

}  // namespace
}  // namespace jwtd::auth::testing
