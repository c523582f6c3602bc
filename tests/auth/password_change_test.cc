// Password change (the user's, POST /v1/password) and reset (the operator's, `jwtd users
// set-password`) on SQLite and on a real PostgreSQL server: the new hash stored, the other (or
// every) session ended, CAEP credential-change in the outbox beside session-revoked, the audit
// row, and a wrong current password counted by the login limiter with nothing changed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jwtd/auth/ssf_set.h"
#include "jwtd/store/postgres_store.h"
#include "support/postgres_environment.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using ::jwtd::testing::PostgresEnvironment;

[[maybe_unused]] auto* const kPostgresServer = PostgresEnvironment::Register();

constexpr char kNewPassword[] = "a brand new passphrase";

class PasswordChangeTest : public BackendTokenServiceTest {
 protected:
  // alice with two sessions (mine: the caller; other), and a stream taking every event kind
  // made before them, so its pending events are what the tests cause.
  void SetUpAlice() {
    Start();
    alice_ = Register("alice");
    stream_.id = "s1";
    stream_.client = stream_.audience = "rs1";
    stream_.kinds = SsfKindsOf(SsfEventsSupported());
    stream_.delivery_method = std::string(kSsfPollMethod);
    Read([&](StoreTx& tx) { return tx.ssf()->InsertStream(stream_); });
    mine_ = Login("alice");
    other_ = Login("alice");
  }

  std::vector<SecurityEvent> Events() {
    std::vector<SecurityEvent> out;
    Read([&](StoreTx& tx) -> Result<void> {
      auto pending = tx.ssf()->Pending(stream_, 100);
      if (!pending.ok()) return pending.error();
      out = std::move(*pending);
      return Ok();
    });
    return out;
  }

  Reason LoginReason(const std::string& password) {
    return ReasonOf(service_->Login("alice", password, "", Client()));
  }

  User alice_;
  SsfStream stream_;
  TokenResponse mine_, other_;
};

TEST_P(PasswordChangeTest, ChangeEndsEveryOtherSessionAndRenewsTheCaller) {
  SetUpAlice();
  const Principal me = Auth(mine_.access_token);
  clock_.Advance(10);
  auto fresh = service_->ChangePassword(me, kPassword, kNewPassword, Client("192.0.2.7"));
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();

  // The caller: a new access token with the new ver, no refresh token, exp within its own.
  EXPECT_TRUE(fresh->refresh_token.empty());
  EXPECT_EQ(fresh->session_id, mine_.session_id);
  const Principal renewed = Auth(fresh->access_token);
  EXPECT_EQ(renewed.sid, me.sid);
  EXPECT_EQ(renewed.ver, me.ver + 1);
  EXPECT_LE(renewed.exp, me.exp);
  EXPECT_EQ(AuthReason(mine_.access_token), Reason::kVersionBumped);
  // The caller's session goes on with the refresh token it holds.
  TokenResponse next = Refresh(mine_.refresh_token);
  EXPECT_EQ(Auth(next.access_token).ver, me.ver + 1);

  // The other session is over.
  EXPECT_EQ(AuthReason(other_.access_token), Reason::kVersionBumped);
  EXPECT_EQ(RefreshReason(other_.refresh_token), Reason::kRefreshRevoked);

  // Only the new password signs in.
  EXPECT_EQ(LoginReason(kPassword), Reason::kBadCredentials);
  EXPECT_EQ(LoginReason(kNewPassword), Reason::kNone);

  auto audit = Audit("password_changed");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].user_id, alice_.id);
  EXPECT_EQ(audit[0].session_id, mine_.session_id);
  EXPECT_EQ(audit[0].client_ip, "192.0.2.7");
  EXPECT_EQ(audit[0].reason, "version_bumped");

  // One transaction: the user-wide session-revoked and the credential-change, one txn.
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, SecurityEventKind::kSessionRevoked);
  EXPECT_EQ(events[0].session_id, "");
  EXPECT_EQ(events[0].reason, "password_changed");
  EXPECT_EQ(events[1].kind, SecurityEventKind::kCredentialChange);
  EXPECT_EQ(events[1].user_id, alice_.id);
  EXPECT_EQ(events[1].reason, "password_changed");
  EXPECT_EQ(events[1].at, kT0 + 10);
  EXPECT_FALSE(events[1].txn.empty());
  EXPECT_EQ(events[0].txn, events[1].txn);
}

TEST_P(PasswordChangeTest, DenylistOnlyChangeEndsTheOtherSessionsByTheirSid) {
  options_.strategies.version = false;
  SetUpAlice();
  auto fresh =
      service_->ChangePassword(Auth(mine_.access_token), kPassword, kNewPassword, Client());
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();
  EXPECT_EQ(AuthReason(other_.access_token), Reason::kSessionEnded);
  EXPECT_EQ(AuthReason(fresh->access_token), Reason::kNone);
  EXPECT_EQ(AuthReason(mine_.access_token), Reason::kNone);  // nothing refuses it without version
  EXPECT_EQ(Audit("password_changed").at(0).reason, "family_revoked");
}

TEST_P(PasswordChangeTest, WrongCurrentPasswordChangesNothingAndCountsAsAFailedLogin) {
  options_.login_limits.max_failures_per_account = 3;
  SetUpAlice();
  const Principal me = Auth(mine_.access_token);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ReasonOf(service_->ChangePassword(me, "not my password", kNewPassword, Client())),
              Reason::kBadCredentials);
  }
  // The account's limit is the login's: the next change and even a correct login wait.
  auto limited = service_->ChangePassword(me, kPassword, kNewPassword, Client());
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().reason(), Reason::kRateLimited);
  EXPECT_GT(limited.error().retry_after_seconds(), 0);
  EXPECT_EQ(LoginReason(kPassword), Reason::kRateLimited);

  // Nothing changed: both sessions live, the old password still the one, no event.
  EXPECT_EQ(AuthReason(mine_.access_token), Reason::kNone);
  EXPECT_EQ(AuthReason(other_.access_token), Reason::kNone);
  EXPECT_EQ(Audit("password_change_failed").size(), 3u);
  EXPECT_TRUE(Audit("password_changed").empty());
  EXPECT_TRUE(Events().empty());
  clock_.Advance(options_.login_limits.window_seconds);
  EXPECT_EQ(LoginReason(kNewPassword), Reason::kBadCredentials);
  EXPECT_EQ(LoginReason(kPassword), Reason::kNone);
}

TEST_P(PasswordChangeTest, NewPasswordOutsideThePolicyIsRefusedUncounted) {
  options_.login_limits.max_failures_per_account = 1;
  SetUpAlice();
  const Principal me = Auth(mine_.access_token);
  const std::string too_long(options_.password.max_length + 1, 'x');
  for (const std::string& bad : {std::string("short"), too_long}) {
    auto refused = service_->ChangePassword(me, kPassword, bad, Client());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), Code::kInvalidArgument);
  }
  EXPECT_EQ(AuthReason(other_.access_token), Reason::kNone);
  EXPECT_TRUE(Events().empty());
  // Not counted: a change within the policy still goes through.
  EXPECT_TRUE(service_->ChangePassword(me, kPassword, kNewPassword, Client()).ok());
}

TEST_P(PasswordChangeTest, ChangeFromASessionEndedMeanwhileChangesNothing) {
  SetUpAlice();
  const Principal me = Auth(mine_.access_token);
  // The caller's session ends after its token was checked (another device ended it).
  ASSERT_TRUE(service_->EndSession(Auth(other_.access_token), mine_.session_id, Client()).ok());
  auto refused = service_->ChangePassword(me, kPassword, kNewPassword, Client());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason(), Reason::kSessionEnded);
  EXPECT_EQ(AuthReason(other_.access_token), Reason::kNone);
  EXPECT_EQ(LoginReason(kNewPassword), Reason::kBadCredentials);
  EXPECT_TRUE(Audit("password_changed").empty());
}

TEST_P(PasswordChangeTest, ResetEndsEverySessionAndIsInitiatedByTheOperator) {
  SetUpAlice();
  ASSERT_TRUE(service_->SetPassword(alice_.id, kNewPassword, "cli").ok());
  EXPECT_EQ(AuthReason(mine_.access_token), Reason::kVersionBumped);
  EXPECT_EQ(AuthReason(other_.access_token), Reason::kVersionBumped);
  EXPECT_EQ(RefreshReason(mine_.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(RefreshReason(other_.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(LoginReason(kPassword), Reason::kBadCredentials);
  EXPECT_EQ(LoginReason(kNewPassword), Reason::kNone);
  auto audit = Audit("password_reset");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].detail, "actor=cli");
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, SecurityEventKind::kSessionRevoked);
  EXPECT_EQ(events[1].kind, SecurityEventKind::kCredentialChange);
  EXPECT_EQ(events[1].reason, "password_reset");
  // The SET of the event: CAEP 1.0 credential-change, initiated by an admin.
  const std::string set = SsfSetClaims(events[1], stream_, options_.issuer, kT0);
  EXPECT_NE(set.find("\"credential_type\":\"password\",\"change_type\":\"update\","
                     "\"event_timestamp\":1700000000,\"initiating_entity\":\"admin\""),
            std::string::npos)
      << set;
}

TEST_P(PasswordChangeTest, ResetRefusesAnUnknownUserAndAPasswordOutsideThePolicy) {
  SetUpAlice();
  EXPECT_EQ(service_->SetPassword(alice_.id + 100, kNewPassword, "cli").error().code(),
            Code::kNotFound);
  EXPECT_EQ(service_->SetPassword(alice_.id, "short", "cli").error().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(AuthReason(mine_.access_token), Reason::kNone);
  EXPECT_TRUE(Events().empty());
  EXPECT_EQ(LoginReason(kPassword), Reason::kNone);
}

INSTANTIATE_TEST_SUITE_P(Stores, PasswordChangeTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace
}  // namespace jwtd::auth::testing
