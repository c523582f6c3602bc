// Sealed grace successors live only as long as the grace window (docs/security.md, insider):
// a rotation inside the previous seal's window clears it in its transaction, and Store::
// ForgetSealedSuccessors (run by the maintenance loop) clears the rest once the window has
// closed. A successor left behind would let a database copy plus an old spent refresh token of
// an idle session open that session's current refresh token. Real SQLite store, manual clock.
#include <gtest/gtest.h>

#include <string>

#include "auth/refresh_token.h"
#include "auth/successor_seal.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

class SuccessorForgetTest : public TokenServiceTest {
 protected:
  static constexpr std::int64_t kGrace = 10;

  SuccessorForgetTest() { options_.refresh_grace_seconds = kGrace; }

  // The stored record of `token`, which must exist (rotated rows stay for reuse detection).
  RefreshRecord Stored(const std::string& token) {
    RefreshRecord out;
    Read([&](StoreTx& tx) -> Result<void> {
      auto found = tx.FindRefresh(HashRefreshToken(token));
      EXPECT_TRUE(found.ok() && found->has_value());
      if (found.ok() && found->has_value()) out = **found;
      return Ok();
    });
    return out;
  }
  // What the maintenance loop does, without its clock-step margin.
  std::int64_t ForgetClosedWindows() {
    auto forgotten = store_->ForgetSealedSuccessors(clock_.NowSeconds() - kGrace);
    EXPECT_TRUE(forgotten.ok()) << forgotten.error().message();
    return forgotten.ok() ? *forgotten : -1;
  }
};

TEST_F(SuccessorForgetTest, RotatingAgainClearsThePreviousSealedSuccessor) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  EXPECT_FALSE(Stored(first.refresh_token).sealed_successor.empty());
  clock_.Advance(2);  // still inside first's window
  TokenResponse third = Refresh(second.refresh_token);

  RefreshRecord spent = Stored(first.refresh_token);
  EXPECT_EQ(spent.state, RefreshState::kRotated);
  EXPECT_TRUE(spent.sealed_successor.empty()) << "no longer replayable, so not kept";
  EXPECT_FALSE(Stored(second.refresh_token).sealed_successor.empty());  // in its window
  // Only the token spent last is replayable; the older one is reuse and ends the family.
  EXPECT_EQ(Refresh(second.refresh_token).refresh_token, third.refresh_token);
  EXPECT_EQ(RefreshReason(first.refresh_token), Reason::kRefreshReused);
  EXPECT_EQ(RefreshReason(third.refresh_token), Reason::kRefreshRevoked);
}

TEST_F(SuccessorForgetTest, ARotationAfterTheWindowLeavesTheOldSealToTheSweep) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  clock_.Advance(kGrace + 1);  // first's window has closed; the sweep has not run yet
  TokenResponse third = Refresh(second.refresh_token);
  EXPECT_FALSE(Stored(second.refresh_token).sealed_successor.empty());
  EXPECT_EQ(ForgetClosedWindows(), 1);  // first's seal, not second's (its window is open)
  EXPECT_TRUE(Stored(first.refresh_token).sealed_successor.empty());
  EXPECT_FALSE(Stored(second.refresh_token).sealed_successor.empty());
  EXPECT_EQ(Refresh(second.refresh_token).refresh_token, third.refresh_token);
}

TEST_F(SuccessorForgetTest, SealedSuccessorIsGoneOnceTheWindowClosesAndAReplayIsReuse) {
  Start();
  Register("alice");
  TokenResponse first = Login("alice");
  TokenResponse second = Refresh(first.refresh_token);
  const std::string sealed = Stored(first.refresh_token).sealed_successor;
  ASSERT_FALSE(sealed.empty());

  clock_.Advance(kGrace);  // the last second of the window: kept, and the replay works
  EXPECT_EQ(ForgetClosedWindows(), 0);
  EXPECT_EQ(Stored(first.refresh_token).sealed_successor, sealed);
  EXPECT_EQ(Refresh(first.refresh_token).refresh_token, second.refresh_token);

  clock_.Advance(1);  // closed: the session now sits idle with its successor unrotated
  EXPECT_EQ(ForgetClosedWindows(), 1);
  RefreshRecord spent = Stored(first.refresh_token);
  EXPECT_EQ(spent.state, RefreshState::kRotated);
  EXPECT_TRUE(spent.sealed_successor.empty());
  // The old token plus the database no longer yields the live refresh token ...
  EXPECT_FALSE(OpenSuccessor(first.refresh_token, first.session_id, spent.sealed_successor).ok());
  // ... and presenting it is reuse: the family, the live successor included, is ended.
  EXPECT_EQ(RefreshReason(first.refresh_token), Reason::kRefreshReused);
  EXPECT_EQ(RefreshReason(second.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(second.access_token), Reason::kSessionEnded);
}

TEST_F(SuccessorForgetTest, ForgettingLeavesOpenWindowsOfOtherSessionsAlone) {
  Start();
  Register("alice");
  TokenResponse early = Login("alice");
  TokenResponse early_next = Refresh(early.refresh_token);
  clock_.Advance(kGrace - 2);
  TokenResponse late = Login("alice");
  TokenResponse late_next = Refresh(late.refresh_token);
  clock_.Advance(3);  // early's window has closed, late's has not

  EXPECT_EQ(ForgetClosedWindows(), 1);
  EXPECT_TRUE(Stored(early.refresh_token).sealed_successor.empty());
  EXPECT_EQ(Refresh(late.refresh_token).refresh_token, late_next.refresh_token);
  EXPECT_EQ(Refresh(early_next.refresh_token).session_id, early.session_id);  // still live
}

}  // namespace
}  // namespace jwtd::auth::testing
