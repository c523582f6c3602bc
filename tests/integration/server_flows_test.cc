// Session flows over real HTTP against `jwtd serve`: the refresh race, the grace window, cookie
// mode with its CSRF defence, login throttling, and bad input that must change nothing.
#include <atomic>
#include <set>
#include <thread>

#include "server_fixture.h"

namespace jwtd::testing {
namespace {

// Dozens of parallel refreshes of one token: never two live branches.
TEST_P(ServerTest, ParallelRefreshesMintAtMostOneLiveBranch) {
  StartServer();
  Register("race");
  Tokens t = Login("race");
  constexpr int kClients = 32;
  std::vector<HttpResponse> responses(kClients);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      responses[i] = Refresh(t.refresh);
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  std::vector<std::string> minted;
  for (const HttpResponse& r : responses) {
    if (r.status == 200)
      minted.emplace_back(r.Json().at("refresh_token").as_string());
    else
      EXPECT_EQ(r.status, 400) << r.body;
  }
  ASSERT_LE(minted.size(), 1u);
  // The losers presented a spent token: reuse, so the family is revoked and even the winner's
  // successor is dead (RFC 9700 §4.14.2).
  if (!minted.empty()) {
    EXPECT_EQ(Refresh(minted[0]).status, 400);
  }
}

TEST_P(ServerTest, GraceWindowMakesParallelRefreshesIdempotent) {
  StartServer({"--set", "tokens.refresh_grace=30"});
  Register("tabs");
  Tokens t = Login("tabs");
  constexpr int kClients = 24;
  std::vector<HttpResponse> responses(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] { responses[i] = Refresh(t.refresh); });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> refresh_tokens, access_tokens;
  for (const HttpResponse& r : responses) {
    ASSERT_EQ(r.status, 200) << r.body;
    refresh_tokens.insert(std::string(r.Json().at("refresh_token").as_string()));
    access_tokens.insert(std::string(r.Json().at("access_token").as_string()));
  }
  EXPECT_EQ(refresh_tokens.size(), 1u) << "every replay gets the same successor";
  EXPECT_EQ(access_tokens.size(), 1u);
  HttpResponse next = Refresh(*refresh_tokens.begin());
  EXPECT_EQ(next.status, 200) << "the one successor is live";
}

TEST_P(ServerTest, CookieModeNeedsTheCsrfHeader) {
  StartServer();
  Register("browser");
  HttpResponse login = client().PostJson(
      "/v1/login", {{"username", "browser"}, {"password", "correct horse"}, {"cookie", true}});
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_FALSE(login.Json().as_object().contains("refresh_token"));
  std::string refresh_line = login.SetCookieLine("__Host-jwtd_refresh");
  for (const char* attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) {
    EXPECT_NE(refresh_line.find(attr), std::string::npos) << refresh_line;
  }
  std::string csrf_line = login.SetCookieLine("__Host-jwtd_csrf");
  EXPECT_EQ(csrf_line.find("HttpOnly"), std::string::npos) << csrf_line;
  const std::string csrf = login.SetCookieValue("__Host-jwtd_csrf");
  std::string cookie = "__Host-jwtd_refresh=" + login.SetCookieValue("__Host-jwtd_refresh") +
                       "; __Host-jwtd_csrf=" + csrf;

  HttpRequest refresh{.method = "POST",
                      .target = "/oauth/token",
                      .body = "grant_type=refresh_token",
                      .content_type = "application/x-www-form-urlencoded",
                      .headers = {{"Cookie", cookie}}};
  EXPECT_EQ(client().Send(refresh).status, 403);
  refresh.headers.emplace_back("X-CSRF-Token", "wrong");
  EXPECT_EQ(client().Send(refresh).status, 403);
  // The CSRF key comes from the store (its bus key), not from the process: a token set before a
  // restart passes after it, as one set by a node passes on every node of the store.
  server_->Restart();
  refresh.headers.back().second = csrf;
  HttpResponse ok = client().Send(refresh);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(ok.SetCookieValue("__Host-jwtd_refresh").empty());
  EXPECT_NE(ok.SetCookieValue("__Host-jwtd_refresh"), login.SetCookieValue("__Host-jwtd_refresh"));
  EXPECT_NE(ok.SetCookieValue("__Host-jwtd_csrf"), csrf);
  EXPECT_EQ(server_->Output().find(csrf), std::string::npos) << "a CSRF token was logged";
}

TEST_P(ServerTest, FailedLoginsAreThrottledPerAccountNotPerAddress) {
  StartServer({"--set", "login_limits.max_failures_per_account=3"});
  Register("victim");
  Register("bystander");
  for (int i = 0; i < 3; ++i) {
    HttpResponse r =
        client().PostJson("/v1/login", {{"username", "victim"}, {"password", "nope nope"}});
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.Json().at("error").as_string(), "invalid_credentials");
  }
  HttpResponse limited =
      client().PostJson("/v1/login", {{"username", "victim"}, {"password", "correct horse"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("retry-after").empty());
  // Another account from the same address signs in normally.
  EXPECT_EQ(client()
                .PostJson("/v1/login", {{"username", "bystander"}, {"password", "correct horse"}})
                .status,
            200);
}

TEST_P(ServerTest, UnknownUserAndWrongPasswordLookTheSame) {
  StartServer();
  Register("known");
  HttpResponse wrong =
      client().PostJson("/v1/login", {{"username", "known"}, {"password", "wrong pass"}});
  HttpResponse unknown =
      client().PostJson("/v1/login", {{"username", "ghost"}, {"password", "wrong pass"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
}

TEST_P(ServerTest, BadInputGets4xxAndChangesNothing) {
  StartServer();
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"/v1/users", "{"},
      {"/v1/users", "[]"},
      {"/v1/users", R"({"username":5,"password":"x"})"},
      {"/v1/login", "null"},
      {"/v1/login", R"({"username":"a","password":"b","cookie":"yes"})"},
      {"/oauth/token", "grant_type=password&username=a"},
      {"/oauth/token", "refresh_token=zzz"},
      {"/v1/logout", "{\"refresh_token\":42}"},
      {"/oauth/introspect", "token="},
  };
  for (const auto& [target, body] : bodies) {
    bool form = target.rfind("/oauth/", 0) == 0;
    HttpResponse r = client().Send(
        {.method = "POST",
         .target = target,
         .body = body,
         .content_type = form ? "application/x-www-form-urlencoded" : "application/json"});
    EXPECT_GE(r.status, 400) << target << " " << body;
    EXPECT_LT(r.status, 500) << target << " " << body << " -> " << r.body;
    EXPECT_TRUE(r.Json().as_object().contains("error")) << r.body;
  }
  // Over the 64 KiB limit, small enough to sit in loopback socket buffers whole.
  std::string huge(256 << 10, 'x');
  HttpResponse big = client().Send(
      {.method = "POST", .target = "/v1/login", .body = huge, .content_type = "application/json"});
  EXPECT_EQ(big.status, 413);
  for (const char* garbage : {"", "a.b.c", "Bearer", "eyJhbGciOiJub25lIn0.e30."}) {
    EXPECT_EQ(MeStatus(garbage), 401);
  }
  ProcessResult users = RunCli({"users", "list"});
  EXPECT_EQ(users.out.find('\n'), users.out.size() - 1) << "no user was created: " << users.out;
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

}  // namespace
}  // namespace jwtd::testing
