// Revocations made by another process reach this node's view through the one sync path, with
// its own gap-free cursor, whatever this node commits meanwhile. Two token services on one
// SQLite file are two processes: the CLI (A) and a single node without a bus (B).
#include <gtest/gtest.h>

#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

class OneSyncPathTest : public TokenServiceTest {
 protected:
  // Two sessions of alice; `jwtd revoke --session` of the first from another process (seq 1 in
  // the log, not yet seen by the node), then a logout of the second on the node itself before
  // its next read of the log (seq 2, applied there at once).
  void CliRevocationThenNodeLogout() {
    Start();
    auto node = TokenService::Create(options_, {store_.get(), keys_.get(), &clock_});
    ASSERT_TRUE(node.ok()) << node.error().message();
    node_ = std::move(*node);
    Register("alice");
    revoked_by_cli_ = Login("alice");
    logged_out_ = Login("alice");
    ASSERT_TRUE(node_->Authenticate(revoked_by_cli_.access_token).ok());
    ASSERT_TRUE(service_->RevokeSession(revoked_by_cli_.session_id, "cli").ok());
    auto principal = node_->Authenticate(logged_out_.access_token);
    ASSERT_TRUE(principal.ok());
    ASSERT_TRUE(node_->Logout(*principal, Client()).ok());
  }

  std::unique_ptr<TokenService> node_;
  TokenResponse revoked_by_cli_, logged_out_;
};

TEST_F(OneSyncPathTest, CliRevocationIsNotSkippedAfterTheNodesOwnCommit) {
  CliRevocationThenNodeLogout();
  // The node's next catch-up (its poller's tick) must read seq 1, which lies behind seq 2.
  ASSERT_TRUE(node_->CatchUp().ok());
  EXPECT_EQ(ReasonOf(node_->Authenticate(revoked_by_cli_.access_token)), Reason::kSessionEnded);
  EXPECT_EQ(ReasonOf(node_->Authenticate(logged_out_.access_token)), Reason::kSessionEnded);
}

TEST_F(OneSyncPathTest, TheGapAloneMakesTheNextRequestReadTheLog) {
  // Without waiting for the poller: the node knows its own seq 2 lies past a seq it has not
  // applied, so its view is stale and the next request reads the log first (check mode).
  CliRevocationThenNodeLogout();
  EXPECT_EQ(ReasonOf(node_->Authenticate(revoked_by_cli_.access_token)), Reason::kSessionEnded);
}

}  // namespace
}  // namespace jwtd::auth::testing
