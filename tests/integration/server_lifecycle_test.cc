// `jwtd serve` as an operator runs it: zero-config start, graceful stop, and the promise that a
// 2xx on a logout or revocation survives a crash (kill -9) and a restart.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "server_fixture.h"

namespace jwtd::testing {
namespace {

// Zero configuration means the embedded SQLite file: SQLite only by nature.
TEST_F(SqliteServerTest, StartsWithZeroConfigurationAndSaysWhere) {
  StartServer();
  const std::string& banner = server_->banner();
  EXPECT_NE(banner.find("listening on http://127.0.0.1:"), std::string::npos) << banner;
  EXPECT_NE(banner.find("issuer: http://127.0.0.1:"), std::string::npos) << banner;
  EXPECT_NE(banner.find("key: "), std::string::npos) << banner;
  EXPECT_NE(banner.find("ES256"), std::string::npos) << banner;
  EXPECT_EQ(banner.find("PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(data_dir_ + "/jwtd.db"));
  struct stat st {};
  ASSERT_EQ(::stat((data_dir_ + "/keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "key directory must be private";
  EXPECT_EQ(client().Get("/healthz").status, 200);
  EXPECT_EQ(client().Get("/readyz").status, 200);
}

TEST_P(ServerTest, StartsOnItsConfiguredStoreAndIsReady) {
  StartServer();
  EXPECT_NE(server_->banner().find("listening on http://127.0.0.1:"), std::string::npos);
  // The store URL, not the data dir, decides where the data lives.
  EXPECT_EQ(std::filesystem::exists(data_dir_ + "/jwtd.db"), store() == StoreKind::kSqlite);
  EXPECT_EQ(client().Get("/readyz").status, 200);
  ProcessResult migrate = RunCli({"migrate"});
  EXPECT_EQ(migrate.exit_code, 0) << migrate.out;
}

TEST_P(ServerTest, SigtermStopsGracefully) {
  StartServer();
  EXPECT_EQ(server_->Terminate(), 0) << server_->Output();
}

TEST_P(ServerTest, SecondServerOnTheSamePortFailsClearly) {
  StartServer();
  ProcessResult second = RunJwtd({"serve", "--data-dir", dir_.path() + "/other", "--listen",
                                  "127.0.0.1:" + std::to_string(server_->port())});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.out.find("cannot listen"), std::string::npos) << second.out;
}

TEST_P(ServerTest, LogoutSurvivesKillDashNine) {
  StartServer();
  Register("alice");
  Tokens t = Login("alice");
  ASSERT_EQ(MeStatus(t.access), 200);
  HttpResponse out = client().PostJson("/v1/logout", boost::json::object{}, t.access);
  ASSERT_EQ(out.status, 204) << out.body;
  server_->Kill();
  server_->Restart();
  EXPECT_EQ(MeStatus(t.access), 401);
  EXPECT_EQ(Refresh(t.refresh).status, 400);
}

TEST_P(ServerTest, LogoutAllSurvivesKillDashNine) {
  StartServer();
  Register("bob");
  Tokens a = Login("bob");
  Tokens b = Login("bob");
  ASSERT_EQ(client().PostJson("/v1/logout-all", boost::json::object{}, a.access).status, 204);
  server_->Kill();
  server_->Restart();
  EXPECT_EQ(MeStatus(a.access), 401);
  EXPECT_EQ(MeStatus(b.access), 401);
  EXPECT_EQ(Refresh(b.refresh).status, 400);
  Tokens fresh = Login("bob");
  EXPECT_EQ(MeStatus(fresh.access), 200);
}

TEST_P(ServerTest, RevokedAccessTokenSurvivesKillDashNine) {
  StartServer();
  Register("carol");
  Tokens t = Login("carol");
  HttpResponse r =
      client().PostForm("/oauth/revoke", "token=" + t.access + "&token_type_hint=access_token");
  ASSERT_EQ(r.status, 200) << r.body;
  server_->Kill();
  server_->Restart();
  HttpResponse me = client().Get("/v1/me", t.access);
  EXPECT_EQ(me.status, 401);
  EXPECT_NE(me.Header("www-authenticate").find("invalid_token"), std::string::npos);
}

TEST_P(ServerTest, CliRevocationReachesTheRunningServer) {
  StartServer();
  Register("dave");
  Tokens t = Login("dave");
  std::string sid = ClaimOf(t.access, "sid");
  ASSERT_FALSE(sid.empty());
  ProcessResult revoke = RunCli({"revoke", "--session", sid});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out;
  // The server follows the store's log; allow it a moment.
  int status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    status = MeStatus(t.access);
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(Refresh(t.refresh).status, 400);
}

TEST_P(ServerTest, CliRevokeTakesAUserIdOrAUsernameNeverAGuess) {
  // A user named "1" next to the user with id 1: the operator says which one is meant.
  StartServer();
  Register("alice");  // id 1
  Register("1");      // another user, whose name is digits
  Tokens alice = Login("alice"), digits = Login("1");
  ASSERT_EQ(ClaimOf(alice.access, "sub"), "1");
  ProcessResult ambiguous = RunCli({"revoke", "--user", "1"});
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous.out;
  EXPECT_NE(ambiguous.out.find("--user-id"), std::string::npos) << ambiguous.out;
  ProcessResult by_name = RunCli({"revoke", "--username", "1"});
  ASSERT_EQ(by_name.exit_code, 0) << by_name.out;
  EXPECT_EQ(Refresh(digits.refresh).status, 400);
  EXPECT_EQ(Refresh(alice.refresh).status, 200);  // alice untouched
  ProcessResult by_id = RunCli({"revoke", "--user-id", "1"});
  ASSERT_EQ(by_id.exit_code, 0) << by_id.out;
  int status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    status = MeStatus(alice.access);
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(RunCli({"revoke", "--user-id", "999"}).exit_code, 2);  // no such user
  EXPECT_EQ(RunCli({"revoke", "--username", "nobody"}).exit_code, 2);
}

TEST_P(ServerTest, CliUsersAndAuditSeeTheSameStore) {
  StartServer();
  ProcessResult add = RunCli({"users", "add", "erin"}, "a long enough password\n");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  Login("erin", "a long enough password");
  ProcessResult list = RunCli({"users", "list"});
  EXPECT_NE(list.out.find("erin"), std::string::npos) << list.out;
  ProcessResult audit = RunCli({"audit"});
  EXPECT_NE(audit.out.find("login_succeeded"), std::string::npos) << audit.out;
  EXPECT_EQ(audit.out.find("a long enough password"), std::string::npos);
  ProcessResult disable = RunCli({"users", "disable", "erin"});
  ASSERT_EQ(disable.exit_code, 0) << disable.out;
  HttpResponse login = client().PostJson(
      "/v1/login", {{"username", "erin"}, {"password", "a long enough password"}});
  EXPECT_EQ(login.status, 401);
  EXPECT_EQ(RunCli({"users", "disable", "nobody"}).exit_code, 2);
}

TEST_P(ServerTest, CliSetPasswordReplacesItAndEndsEverySession) {
  StartServer();
  ProcessResult add = RunCli({"users", "add", "gina"}, "a long enough password\n");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  Tokens a = Login("gina", "a long enough password");
  Tokens b = Login("gina", "a long enough password");
  // Refused input changes nothing: a password outside the policy, an unknown user.
  ProcessResult weak = RunCli({"users", "set-password", "gina"}, "short\n");
  EXPECT_EQ(weak.exit_code, 2) << weak.out;
  EXPECT_EQ(RunCli({"users", "set-password", "nobody"}, "another long password\n").exit_code, 2);
  EXPECT_EQ(Refresh(a.refresh).status, 200);
  ProcessResult set = RunCli({"users", "set-password", "gina"}, "another long password\r\n");
  ASSERT_EQ(set.exit_code, 0) << set.out;
  EXPECT_NE(set.out.find("every session ended"), std::string::npos) << set.out;
  EXPECT_EQ(set.out.find("another long password"), std::string::npos);
  // Every session ends, the caller's of none spared; the server learns it from the log.
  int status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    status = MeStatus(b.access);
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(Refresh(b.refresh).status, 400);
  HttpResponse old_login = client().PostJson(
      "/v1/login", {{"username", "gina"}, {"password", "a long enough password"}});
  EXPECT_EQ(old_login.status, 401);
  Login("gina", "another long password");
  ProcessResult audit = RunCli({"audit", "--event", "password_reset"});
  EXPECT_NE(audit.out.find("password_reset"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("actor=cli"), std::string::npos) << audit.out;
  EXPECT_EQ(audit.out.find("another long password"), std::string::npos);
}

// `jwtd revoke --users-file`: every listed user signed out, unknown ones listed; the same list
// again is the same job, already done; a job continued with a longer list starts after what it
// did (a user who signed in again since stays signed in); bad lists change nothing.
TEST_P(ServerTest, CliBulkRevocationEndsEveryListedUserAndContinuesAJob) {
  // GET /v1/me until the token is refused (the server follows the store's log): its status.
  const auto once_refused = [this](const std::string& access) {
    int status = 200;
    for (int i = 0; i < 50 && status == 200; ++i) {
      status = MeStatus(access);
      if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  };
  StartServer();
  for (const char* name : {"u1", "u2", "u3", "u4", "u5"}) Register(name);
  const Tokens u1 = Login("u1"), u2 = Login("u2"), u3 = Login("u3"), u5 = Login("u5");
  const std::string list = "u1\n# a comment\n\n  u2  \nnobody\r\nu3\n";
  ProcessResult run = RunCli({"revoke", "--users-file", "-", "--page-size", "2"}, list);
  ASSERT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("revoked every session of 3 users"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("1 listed users do not exist: nobody"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("4/4 users"), std::string::npos) << run.out;
  for (const Tokens* t : {&u1, &u2, &u3}) EXPECT_EQ(once_refused(t->access), 401);
  EXPECT_EQ(MeStatus(u5.access), 200);

  const Tokens u1_again = Login("u1");
  ProcessResult rerun = RunCli({"revoke", "--users-file", "-", "--page-size", "2"}, list);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out;
  EXPECT_NE(rerun.out.find("of 0 users"), std::string::npos) << rerun.out;
  EXPECT_NE(rerun.out.find("4 done by an earlier run"), std::string::npos) << rerun.out;

  ProcessResult longer = RunCli({"revoke", "--users-file", "-", "--job", "incident-7"}, "u1\n");
  ASSERT_EQ(longer.exit_code, 0) << longer.out;
  const Tokens u1_third = Login("u1");
  longer = RunCli({"revoke", "--users-file", "-", "--job", "incident-7"}, "u1\nu5\n");
  ASSERT_EQ(longer.exit_code, 0) << longer.out;
  EXPECT_NE(longer.out.find("continuing at 1"), std::string::npos) << longer.out;
  EXPECT_EQ(once_refused(u5.access), 401);
  EXPECT_EQ(MeStatus(u1_third.access), 200);
  EXPECT_EQ(MeStatus(u1_again.access), 401);  // ended by incident-7's first run

  const Tokens u4 = Login("u4");
  EXPECT_EQ(RunCli({"revoke", "--users-file", "-", "--ids"}, "4\nfour\n").exit_code, 2);
  EXPECT_EQ(RunCli({"revoke", "--users-file", "-"}, "# nobody\n").exit_code, 2);
  EXPECT_EQ(RunCli({"revoke", "--users-file", data_dir_ + "/missing.txt"}).exit_code, 2);
  EXPECT_EQ(RunCli({"revoke", "--users-file", "-", "--page-size", "0"}, "u4\n").exit_code, 2);
  EXPECT_EQ(RunCli({"revoke", "--username", "u4", "--ids"}).exit_code, 2);
  EXPECT_EQ(MeStatus(u4.access), 200);
  ProcessResult by_id = RunCli({"revoke", "--users-file", "-", "--ids"}, "4\n");
  ASSERT_EQ(by_id.exit_code, 0) << by_id.out;
  EXPECT_EQ(once_refused(u4.access), 401);
}

TEST_P(ServerTest, KeyRotationAndEmergencyRevocationByCli) {
  StartServer();
  Register("frank");
  Tokens before = Login("frank");
  std::string old_kid = KidOf(before.access);
  ProcessResult rotate = RunCli({"keys", "rotate"});
  ASSERT_EQ(rotate.exit_code, 0) << rotate.out;
  std::string new_kid;
  for (int i = 0; i < 50; ++i) {  // the server re-reads the key directory
    new_kid = KidOf(Login("frank").access);
    if (new_kid != old_kid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(new_kid, old_kid);
  EXPECT_EQ(MeStatus(before.access), 200) << "the retiring key keeps verifying";
  std::string jwks = client().Get("/.well-known/jwks.json").body;
  EXPECT_NE(jwks.find(old_kid), std::string::npos);
  EXPECT_NE(jwks.find(new_kid), std::string::npos);

  // "--": a kid is base64url and may begin with '-', which would read as an option.
  ProcessResult revoke = RunCli({"keys", "revoke", "--", old_kid});
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out;
  int status = 200;
  for (int i = 0; i < 50 && status == 200; ++i) {
    status = MeStatus(before.access);
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
  // Tokens are refused as soon as the revocation log entry reaches the view; the JWKS drops
  // the key when the server next re-reads the key directory, which may come a moment later.
  bool published = true;
  for (int i = 0; i < 50 && published; ++i) {
    published = client().Get("/.well-known/jwks.json").body.find(old_kid) != std::string::npos;
    if (published) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(published) << "the revoked key is still in the JWKS";
  // Recorded in the revocation log too (resource servers with a cached JWKS follow it).
  ProcessResult audit = RunCli({"audit", "--event", "key_revoked"});
  ASSERT_EQ(audit.exit_code, 0) << audit.out;
  EXPECT_NE(audit.out.find(old_kid), std::string::npos) << audit.out;
  EXPECT_EQ(RunCli({"keys", "revoke", "no-such-kid"}).exit_code, 2);
}

}  // namespace
}  // namespace jwtd::testing
