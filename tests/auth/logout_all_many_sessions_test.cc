// Ending every session of a user ends all of them, however many: logout-all, the operator's
// revoke of a user and `users disable` page through the user's sessions instead of stopping at
// the first 10,000 read (the cap of one store read), in bounded memory — on SQLite and on a real
// PostgreSQL server.
#include <gtest/gtest.h>

#include <string>

#include "jwtd/auth/revocation_view.h"
#include "jwtd/random.h"
#include "jwtd/store/limits.h"
#include "jwtd/store/postgres_store.h"
#include "support/postgres_environment.h"
#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using ::jwtd::testing::PostgresEnvironment;

[[maybe_unused]] auto* const kPostgresServer = PostgresEnvironment::Register();

// More sessions than one store read returns, so a flow that reads once misses some.
constexpr std::int64_t kExtraSessions = static_cast<std::int64_t>(store::kMaxRowsPerRead) + 50;

class ManySessionsTest : public BackendTokenServiceTest {
 protected:
  // The user's first session through a real login (the oldest), then kExtraSessions newer ones
  // written straight to the store in one transaction (a login each would take minutes), then a
  // last real login (the newest).
  void Populate() {
    alice_ = Register("alice");
    oldest_ = Login("alice");
    clock_.Advance(1);
    auto made = store_->Transact([&](StoreTx& tx) -> Result<void> {
      for (std::int64_t i = 0; i < kExtraSessions; ++i) {
        Session s;
        s.id = RandomToken(16);
        s.user_id = alice_.id;
        s.generation = 1;
        s.created_at = s.last_used_at = clock_.NowSeconds();
        s.idle_expires_at = clock_.NowSeconds() + options_.refresh_ttl_seconds;
        JWTD_RETURN_IF_ERROR(tx.InsertSession(s));
      }
      return Ok();
    });
    ASSERT_TRUE(made.ok()) << made.error().message();
    clock_.Advance(1);
    newest_ = Login("alice");
  }

  std::int64_t LiveSessions() {
    std::int64_t live = 0;
    SessionPage page{.user_id = alice_.id, .live_only = true, .limit = 1000};
    auto read = store_->Read([&](StoreReadTx& tx) -> Result<void> {
      for (;;) {
        auto sessions = tx.ListSessions(page);
        if (!sessions.ok()) return sessions.error();
        live += static_cast<std::int64_t>(sessions->size());
        if (sessions->size() < page.limit) return Ok();
        page.after = SessionCursor{sessions->back().created_at, sessions->back().id};
      }
    });
    EXPECT_TRUE(read.ok());
    return live;
  }

  User alice_;
  TokenResponse oldest_, newest_;
};

TEST_P(ManySessionsTest, SessionListPagesThroughEverySession) {
  Start();
  Populate();
  std::int64_t listed = 0;
  std::optional<SessionCursor> after;
  const Principal me = Auth(newest_.access_token);
  for (int pages = 0; pages < 100; ++pages) {
    auto list = service_->ListSessions(me, after, 1000);
    ASSERT_TRUE(list.ok());
    listed += static_cast<std::int64_t>(list->sessions.size());
    if (!list->next) break;
    after = list->next;
  }
  EXPECT_EQ(listed, kExtraSessions + 2);
}

TEST_P(ManySessionsTest, LogoutAllEndsEverySessionAndTheOldestCannotRefresh) {
  Start();
  Populate();
  ASSERT_EQ(LiveSessions(), kExtraSessions + 2);
  ASSERT_TRUE(service_->LogoutAll(Auth(newest_.access_token), false, Client()).ok());
  EXPECT_EQ(LiveSessions(), 0);
  EXPECT_EQ(RefreshReason(oldest_.refresh_token), Reason::kRefreshRevoked);
  EXPECT_EQ(AuthReason(oldest_.access_token), Reason::kVersionBumped);
  EXPECT_EQ(RefreshReason(newest_.refresh_token), Reason::kRefreshRevoked);
}

TEST_P(ManySessionsTest, DenylistOnlyLogoutAllRefusesEverySessionsTokens) {
  // Without the version strategy each session needs its own deny entry: more than one batch
  // keeps in memory, so the rest reach the view through the log.
  options_.strategies.version = false;
  Start();
  Populate();
  ASSERT_TRUE(service_->LogoutAll(Auth(newest_.access_token), false, Client()).ok());
  EXPECT_EQ(LiveSessions(), 0);
  EXPECT_EQ(AuthReason(oldest_.access_token), Reason::kSessionEnded);
  EXPECT_EQ(AuthReason(newest_.access_token), Reason::kSessionEnded);
  EXPECT_EQ(RefreshReason(oldest_.refresh_token), Reason::kRefreshRevoked);
  Restart();  // and from the log alone, in a new process
  EXPECT_EQ(AuthReason(oldest_.access_token), Reason::kSessionEnded);
}

TEST_P(ManySessionsTest, OperatorRevokeAndDisableEndEverySession) {
  Start();
  Populate();
  ASSERT_TRUE(service_->RevokeUser(alice_.id, "test").ok());
  EXPECT_EQ(LiveSessions(), 0);
  EXPECT_EQ(RefreshReason(oldest_.refresh_token), Reason::kRefreshRevoked);
  TokenResponse again = Login("alice");
  ASSERT_TRUE(service_->SetUserDisabled(alice_.id, true, "test").ok());
  EXPECT_EQ(LiveSessions(), 0);
  EXPECT_EQ(AuthReason(again.access_token), Reason::kVersionBumped);
  EXPECT_EQ(ReasonOf(service_->Login("alice", kPassword, "", Client())), Reason::kUserDisabled);
}

INSTANTIATE_TEST_SUITE_P(Stores, ManySessionsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace
}  // namespace jwtd::auth::testing
