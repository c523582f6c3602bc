// Every endpoint of docs/api.md over loopback against the real TokenService, SQLite store and
// key ring: the success paths and their documented error statuses.
#include <boost/json.hpp>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

std::string Str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

TEST_F(ServerTest, RegisterCreatesUserAndRefusesTakenName) {
  const Reply r = PostJson("/v1/users", R"({"username":"ann","password":"correct horse"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto body = r.Json().as_object();
  EXPECT_TRUE(body.at("id").is_int64());
  EXPECT_EQ(body.at("username").as_string(), "ann");
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
  const Reply again = PostJson("/v1/users", R"({"username":"ann","password":"other password"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.Json().at("error").as_string(), "username_taken");
  const Reply weak = PostJson("/v1/users", R"({"username":"bob","password":"short"})");
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(weak.Json().at("error").as_string(), "invalid_request");
}

TEST_F(ServerTest, LoginReturnsTokenResponse) {
  Register("ann");
  Reply raw;
  const auto t = Login("ann", false, &raw);
  EXPECT_FALSE(Str(t, "access_token").empty());
  EXPECT_EQ(Str(t, "token_type"), "Bearer");
  EXPECT_TRUE(t.at("expires_in").is_int64());
  EXPECT_FALSE(Str(t, "refresh_token").empty());
  EXPECT_EQ(raw.Header("cache-control"), "no-store");  // RFC 6749 §5.1
  EXPECT_EQ(raw.Header("pragma"), "no-cache");
  EXPECT_TRUE(raw.Headers("set-cookie").empty());
}

TEST_F(ServerTest, LoginFailuresAreIdenticalForUnknownUserAndWrongPassword) {
  Register("ann");
  const Reply wrong = PostJson("/v1/login", R"({"username":"ann","password":"wrong password"})");
  const Reply unknown = PostJson("/v1/login", R"({"username":"zed","password":"wrong password"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.Json().at("error").as_string(), "invalid_credentials");
}

TEST_F(ServerTest, LoginIsRateLimitedWithRetryAfter) {
  Register("ann");
  Reply last;
  for (int i = 0; i < 10 && last.status != 429; ++i) {
    last = PostJson("/v1/login", R"({"username":"ann","password":"wrong password"})");
  }
  ASSERT_EQ(last.status, 429) << last.body;
  EXPECT_FALSE(last.Header("retry-after").empty());
  EXPECT_GT(std::stoi(last.Header("retry-after")), 0);
  const Reply metrics = Get("/metrics");
  EXPECT_NE(metrics.body.find("jwtd_logins_total{result=\"limited\"}"), std::string::npos);
}

TEST_F(ServerTest, MeAnswersForValidTokenAndRefusesOthers) {
  Register("ann");
  const auto t = Login("ann");
  const Reply me = Get("/v1/me", Bearer(Str(t, "access_token")));
  ASSERT_EQ(me.status, 200) << me.body;
  const auto body = me.Json().as_object();
  EXPECT_EQ(body.at("username").as_string(), "ann");
  EXPECT_FALSE(Str(body, "sub").empty());
  EXPECT_FALSE(Str(body, "sid").empty());
  EXPECT_TRUE(body.at("ver").is_int64());
  // Served from the username cache the second time; same answer.
  EXPECT_EQ(Get("/v1/me", Bearer(Str(t, "access_token"))).body, me.body);

  const Reply missing = Get("/v1/me");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");
  const Reply basic = Get("/v1/me", {{"Authorization", "Basic YTpi"}});
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(basic.Header("www-authenticate"), "Bearer");
  const Reply garbage = Get("/v1/me", Bearer("not.a.jwt"));
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(garbage.Json().at("error").as_string(), "invalid_token");
  EXPECT_EQ(garbage.Json().at("error_description").as_string(), "invalid token");
  EXPECT_EQ(garbage.Json().at("reason").as_string(), "invalid");
}

TEST_F(ServerTest, ExpiredTokenSaysExpired) {
  Register("ann");
  const auto t = Login("ann");
  clock_.Advance(16 * 60 + 31);  // past the 15-minute lifetime and the 30 s leeway
  const Reply r = Get("/v1/me", Bearer(Str(t, "access_token")));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(r.Json().at("error_description").as_string(), "token expired");
  EXPECT_EQ(r.Json().at("reason").as_string(), "expired");
}

TEST_F(ServerTest, RefreshRotatesAndDetectsReuse) {
  Register("ann");
  const auto t = Login("ann");
  const std::string first = Str(t, "refresh_token");
  const Reply r1 = PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + first);
  ASSERT_EQ(r1.status, 200) << r1.body;
  const auto t2 = r1.Json().as_object();
  EXPECT_NE(Str(t2, "refresh_token"), first);
  EXPECT_EQ(r1.Header("cache-control"), "no-store");
  // JSON works too.
  const Reply r2 = PostJson("/oauth/token", R"({"grant_type":"refresh_token","refresh_token":")" +
                                                Str(t2, "refresh_token") + R"("})");
  ASSERT_EQ(r2.status, 200) << r2.body;
  // Replaying the first token is theft: invalid_grant and the family is revoked.
  const Reply replay = PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + first);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(replay.Json().at("error").as_string(), "invalid_grant");
  const Reply after = PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" +
                                                   Str(r2.Json().as_object(), "refresh_token"));
  EXPECT_EQ(after.status, 400);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(r2.Json().as_object(), "access_token"))).status, 401);
  const Reply metrics = Get("/metrics");
  EXPECT_NE(metrics.body.find("jwtd_refresh_reuse_detected_total 1"), std::string::npos);
}

TEST_F(ServerTest, TokenEndpointErrors) {
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=password&username=a").Json().at("error"),
            "unsupported_grant_type");
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=password").status, 400);
  EXPECT_EQ(PostForm("/oauth/token", "refresh_token=abc").Json().at("error"), "invalid_request");
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=refresh_token").Json().at("error"),
            "invalid_request");
  const Reply unknown = PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=zzz");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.Json().at("error"), "invalid_grant");
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=refresh_token&grant_type=refresh_token").status,
            400);
}

TEST_F(ServerTest, CookieLoginRefreshAndLogoutWithCsrf) {
  Register("ann");
  Reply login;
  const auto t = Login("ann", true, &login);
  EXPECT_EQ(t.if_contains("refresh_token"), nullptr);  // omitted from the body
  EXPECT_FALSE(Str(t, "access_token").empty());
  const std::string refresh_line = login.SetCookieLine("__Host-jwtd_refresh");
  EXPECT_NE(refresh_line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(refresh_line.find("Secure"), std::string::npos);
  EXPECT_NE(refresh_line.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(refresh_line.find("Path=/"), std::string::npos);
  const std::string csrf_line = login.SetCookieLine("__Host-jwtd_csrf");
  EXPECT_EQ(csrf_line.find("HttpOnly"), std::string::npos);
  EXPECT_NE(csrf_line.find("Secure"), std::string::npos);
  const std::string refresh = login.SetCookieValue("__Host-jwtd_refresh");
  const std::string csrf = login.SetCookieValue("__Host-jwtd_csrf");
  ASSERT_FALSE(refresh.empty());
  ASSERT_FALSE(csrf.empty());
  const std::string cookies = "__Host-jwtd_refresh=" + refresh + "; __Host-jwtd_csrf=" + csrf;

  // Without or with a wrong X-CSRF-Token: 403, and the refresh token is not spent.
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=refresh_token", {{"Cookie", cookies}}).status,
            403);
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=refresh_token",
                     {{"Cookie", cookies}, {"X-CSRF-Token", csrf + "x"}})
                .status,
            403);
  const Reply rotated = PostForm("/oauth/token", "grant_type=refresh_token",
                                 {{"Cookie", cookies}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(rotated.Json().as_object().if_contains("refresh_token"), nullptr);
  const std::string refresh2 = rotated.SetCookieValue("__Host-jwtd_refresh");
  const std::string csrf2 = rotated.SetCookieValue("__Host-jwtd_csrf");
  ASSERT_FALSE(refresh2.empty());
  EXPECT_NE(refresh2, refresh);

  const std::string cookies2 = "__Host-jwtd_refresh=" + refresh2 + "; __Host-jwtd_csrf=" + csrf2;
  EXPECT_EQ(Send(port(), "POST", "/v1/logout", {}, {{"Cookie", cookies2}}).status, 403);
  const Reply out =
      Send(port(), "POST", "/v1/logout", {}, {{"Cookie", cookies2}, {"X-CSRF-Token", csrf2}});
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(out.SetCookieLine("__Host-jwtd_refresh").find("Max-Age=0"), std::string::npos);
  EXPECT_NE(out.SetCookieLine("__Host-jwtd_csrf").find("Max-Age=0"), std::string::npos);
  // The session is over: its refresh token is dead and its access token refused.
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh2).status,
            400);
  const Reply me = Get("/v1/me", Bearer(Str(rotated.Json().as_object(), "access_token")));
  EXPECT_EQ(me.status, 401);
  EXPECT_EQ(me.Json().at("error_description").as_string(), "token revoked");
  EXPECT_EQ(me.Json().at("reason").as_string(), "revoked");
}

TEST_F(ServerTest, LogoutByBearerAndByRefreshBody) {
  Register("ann");
  const auto a = Login("ann");
  const Reply out = Send(port(), "POST", "/v1/logout", {}, Bearer(Str(a, "access_token")));
  EXPECT_EQ(out.status, 204);
  EXPECT_TRUE(out.body.empty());
  EXPECT_EQ(Get("/v1/me", Bearer(Str(a, "access_token"))).status, 401);
  EXPECT_EQ(
      PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + Str(a, "refresh_token"))
          .status,
      400);

  const auto b = Login("ann");
  EXPECT_EQ(
      PostJson("/v1/logout", R"({"refresh_token":")" + Str(b, "refresh_token") + R"("})").status,
      204);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(b, "access_token"))).status, 401);
  // No credentials at all.
  const Reply none = Send(port(), "POST", "/v1/logout");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), "Bearer");
}

TEST_F(ServerTest, LogoutAllEndsEverySessionOrAllButCurrent) {
  Register("ann");
  const auto a = Login("ann");
  const auto b = Login("ann");
  const Reply keep =
      PostJson("/v1/logout-all", R"({"except_current":true})", Bearer(Str(a, "access_token")));
  ASSERT_EQ(keep.status, 200) << keep.body;
  const auto fresh = keep.Json().as_object();
  EXPECT_FALSE(Str(fresh, "access_token").empty());
  EXPECT_FALSE(fresh.contains("refresh_token"));  // an access token never buys a refresh token
  EXPECT_EQ(Get("/v1/me", Bearer(Str(b, "access_token"))).status, 401);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(fresh, "access_token"))).status, 200);

  const Reply all = Send(port(), "POST", "/v1/logout-all", {}, Bearer(Str(fresh, "access_token")));
  EXPECT_EQ(all.status, 204);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(fresh, "access_token"))).status, 401);
  EXPECT_EQ(Send(port(), "POST", "/v1/logout-all").status, 401);
}

TEST_F(ServerTest, SessionsListAndDelete) {
  Register("ann");
  Register("bob");
  const auto a = Login("ann");
  const auto a2 = Login("ann");
  const auto b = Login("bob");
  const Reply list = Get("/v1/sessions", Bearer(Str(a, "access_token")));
  ASSERT_EQ(list.status, 200) << list.body;
  const auto sessions = list.Json().as_array();
  ASSERT_EQ(sessions.size(), 2u);
  int current = 0;
  std::string other_id;
  for (const auto& s : sessions) {
    const auto& o = s.as_object();
    for (const char* key : {"id", "created_at", "last_used_at", "user_agent", "current"}) {
      EXPECT_NE(o.if_contains(key), nullptr) << key;
    }
    if (o.at("current").as_bool()) {
      ++current;
    } else {
      other_id = std::string(o.at("id").as_string());
    }
  }
  EXPECT_EQ(current, 1);
  // Bob cannot end Ann's session.
  EXPECT_EQ(
      Send(port(), "DELETE", "/v1/sessions/" + other_id, {}, Bearer(Str(b, "access_token"))).status,
      404);
  EXPECT_EQ(
      Send(port(), "DELETE", "/v1/sessions/" + other_id, {}, Bearer(Str(a, "access_token"))).status,
      204);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(a2, "access_token"))).status, 401);
  EXPECT_EQ(Send(port(), "DELETE", "/v1/sessions/nope", {}, Bearer(Str(a, "access_token"))).status,
            404);
  EXPECT_EQ(Send(port(), "DELETE", "/v1/sessions/" + other_id).status, 401);
}

TEST_F(ServerTest, RevokeAndIntrospectWithoutClientsConfigured) {
  Register("ann");
  const auto a = Login("ann");
  const std::string access = Str(a, "access_token");
  const Reply live = PostForm("/oauth/introspect", "token=" + access);
  ASSERT_EQ(live.status, 200) << live.body;
  const auto info = live.Json().as_object();
  EXPECT_TRUE(info.at("active").as_bool());
  EXPECT_EQ(Str(info, "username"), "ann");
  EXPECT_EQ(Str(info, "token_type"), "access_token");
  EXPECT_EQ(live.Header("cache-control"), "no-store");

  EXPECT_EQ(PostForm("/oauth/revoke", "token=" + access + "&token_type_hint=access_token").status,
            200);
  EXPECT_EQ(Get("/v1/me", Bearer(access)).status, 401);
  EXPECT_EQ(PostForm("/oauth/introspect", "token=" + access).body, R"({"active":false})");
  // Unknown tokens: 200 (RFC 7009 §2.2) and inactive (RFC 7662 §2.2).
  EXPECT_EQ(PostForm("/oauth/revoke", "token=garbage").status, 200);
  EXPECT_EQ(PostJson("/oauth/introspect", R"({"token":"garbage"})").body, R"({"active":false})");
  // Refresh tokens too.
  const std::string refresh = Str(a, "refresh_token");
  EXPECT_EQ(PostJson("/oauth/revoke", R"({"token":")" + refresh + R"("})").status, 200);
  EXPECT_EQ(PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh).status,
            400);
  EXPECT_EQ(PostForm("/oauth/revoke", "token_type_hint=access_token").status, 400);
}

TEST_F(ServerTest, IntrospectionClientsAreEnforced) {
  ServerOptions o = DefaultOptions();
  o.introspection_clients = {{"rs1", "s3cret"}};
  Restart(o);
  Register("ann");
  const auto a = Login("ann");
  const std::string body = "token=" + Str(a, "access_token");
  const Reply none = PostForm("/oauth/introspect", body);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Json().at("error"), "invalid_client");
  EXPECT_FALSE(none.Header("www-authenticate").empty());
  EXPECT_EQ(PostForm("/oauth/introspect", body, {{"Authorization", "Basic cnMxOndyb25n"}}).status,
            401);  // rs1:wrong
  const Reply basic =
      PostForm("/oauth/introspect", body, {{"Authorization", "Basic cnMxOnMzY3JldA=="}});
  EXPECT_EQ(basic.status, 200);
  EXPECT_TRUE(basic.Json().at("active").as_bool());
  const Reply post = PostForm("/oauth/introspect", body + "&client_id=rs1&client_secret=s3cret");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(PostForm("/oauth/revoke", body).status, 401);
  EXPECT_EQ(PostForm("/oauth/revoke", body + "&client_id=rs1&client_secret=s3cret").status, 200);
  // Two methods at once is refused (RFC 6749 §2.3).
  EXPECT_EQ(PostForm("/oauth/introspect", body + "&client_id=rs1&client_secret=s3cret",
                     {{"Authorization", "Basic cnMxOnMzY3JldA=="}})
                .status,
            400);
}

TEST_F(ServerTest, WellKnownDocuments) {
  const Reply jwks = Get("/.well-known/jwks.json");
  ASSERT_EQ(jwks.status, 200);
  const auto keys = jwks.Json().at("keys").as_array();
  ASSERT_FALSE(keys.empty());
  EXPECT_NE(keys[0].as_object().if_contains("kid"), nullptr);
  EXPECT_EQ(keys[0].as_object().if_contains("d"), nullptr);  // never private material
  const Reply meta = Get("/.well-known/oauth-authorization-server");
  ASSERT_EQ(meta.status, 200);
  const auto m = meta.Json().as_object();
  EXPECT_EQ(Str(m, "issuer"), "http://127.0.0.1:8080");
  EXPECT_EQ(Str(m, "jwks_uri"), "http://127.0.0.1:8080/.well-known/jwks.json");
  EXPECT_EQ(Str(m, "token_endpoint"), "http://127.0.0.1:8080/oauth/token");
  EXPECT_EQ(Str(m, "revocation_endpoint"), "http://127.0.0.1:8080/oauth/revoke");
  EXPECT_EQ(Str(m, "introspection_endpoint"), "http://127.0.0.1:8080/oauth/introspect");
  EXPECT_EQ(m.at("grant_types_supported").as_array().at(0).as_string(), "refresh_token");
}

TEST_F(ServerTest, HealthReadinessAndMetrics) {
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_EQ(Get("/readyz").status, 200);
  const Reply m = Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("content-type").rfind("text/plain", 0), 0u);
  EXPECT_NE(m.body.find("jwtd_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("jwtd_signing_keys "), std::string::npos);

  ServerOptions o = DefaultOptions();
  o.metrics_allow = {"10.0.0.0/8"};
  Restart(o);
  EXPECT_EQ(Get("/metrics").status, 403);
}

TEST_F(ServerTest, RegistrationCanBeDisabled) {
  auth::AuthOptions a = DefaultAuth();
  a.allow_registration = false;
  Restart(DefaultOptions(), a);
  const Reply r = PostJson("/v1/users", R"({"username":"ann","password":"correct horse"})");
  EXPECT_EQ(r.status, 403);
}

TEST_F(ServerTest, RequestIdIsEchoedOrGenerated) {
  EXPECT_EQ(Get("/healthz", {{"X-Request-Id", "abc-123"}}).Header("x-request-id"), "abc-123");
  const std::string generated =
      Get("/healthz", {{"X-Request-Id", "bad id\x01"}}).Header("x-request-id");
  EXPECT_FALSE(generated.empty());
  EXPECT_NE(generated, "bad id\x01");
}

}  // namespace
}  // namespace jwtd::http::testing
