// /v1/authz, the forward-auth check of docs/gateways.md, over loopback against the real
// TokenService, SQLite store and key ring: identity headers on 200, the RFC 6750 refusals,
// insufficient_scope, every method, the sub-paths of Envoy's ext_authz, and no-store on every
// answer.
#include <boost/json.hpp>

#include "http/cookies.h"
#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

std::string AccessToken(const boost::json::object& o) {
  const auto* v = o.if_contains("access_token");
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

void ExpectNoStore(const Reply& r) {
  EXPECT_EQ(r.Header("cache-control"), "no-store") << r.status << " " << r.body;
  EXPECT_EQ(r.Headers("cache-control").size(), 1U);
}

class AuthzTest : public ServerTest {
 protected:
  Reply Authz(std::string_view method, std::string_view target, Headers headers = {}) {
    return Send(port(), method, target, {}, std::move(headers));
  }
  // A session with `scope` ("" for none); its access token.
  std::string LoginWithScope(const std::string& user, const std::string& scope) {
    std::string json = R"({"username":")" + user + R"(","password":")" + kPassword + R"(")";
    if (!scope.empty()) json += R"(,"scope":")" + scope + R"(")";
    json += "}";
    const Reply r = PostJson("/v1/login", json);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? AccessToken(r.Json().as_object()) : std::string();
  }
  // A cookie-mode sign-in of `user` (registered here): its refresh token, CSRF token and the
  // Cookie header a browser would send (cookie_secure defaults to always: __Host- names).
  struct CookieSession {
    std::string refresh, csrf, jar;
  };
  CookieSession CookieSignIn(const std::string& user) {
    Register(user);
    Reply raw;
    Login(user, /*cookie=*/true, &raw);
    const CookieNames names = CookieNamesFor(true);
    CookieSession c{raw.SetCookieValue(names.refresh), raw.SetCookieValue(names.csrf), {}};
    EXPECT_FALSE(c.refresh.empty());
    c.jar = std::string(names.refresh) + "=" + c.refresh + "; " + std::string(names.csrf) + "=" +
            c.csrf;
    return c;
  }
};

TEST_F(AuthzTest, ValidTokenGetsEmptyOkWithIdentityHeaders) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "read write");
  const Reply me = Get("/v1/me", Bearer(token));
  ASSERT_EQ(me.status, 200) << me.body;
  const auto who = me.Json().as_object();

  const Reply r = Get("/v1/authz", Bearer(token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.Header("x-jwtd-sub"), std::string(who.at("sub").as_string()));
  EXPECT_EQ(r.Header("x-jwtd-sid"), std::string(who.at("sid").as_string()));
  EXPECT_EQ(r.Header("x-jwtd-scope"), "read write");
  ExpectNoStore(r);
}

TEST_F(AuthzTest, TokenWithoutScopeGetsNoScopeHeader) {
  Register("ann");
  const Reply r = Get("/v1/authz", Bearer(LoginWithScope("ann", "")));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.Header("x-jwtd-sub").empty());
  EXPECT_TRUE(r.Headers("x-jwtd-scope").empty());
}

TEST_F(AuthzTest, EveryMethodIsChecked) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  for (const char* method : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    SCOPED_TRACE(method);
    const Reply ok = Authz(method, "/v1/authz", Bearer(token));
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_FALSE(ok.Header("x-jwtd-sub").empty());
    ExpectNoStore(ok);
    const Reply refused = Authz(method, "/v1/authz");
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.Header("www-authenticate"), "Bearer");
    ExpectNoStore(refused);
  }
  // A body is never read: a POST with one is answered like a GET.
  const Reply with_body =
      Send(port(), "POST", "/v1/authz", "{\"not\": \"parsed\"",
           {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}});
  EXPECT_EQ(with_body.status, 200) << with_body.body;
}

TEST_F(AuthzTest, OriginalMethodAndUriHeadersDoNotChangeTheAnswer) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  Headers h = Bearer(token);
  h.emplace_back("X-Original-Method", "DELETE");
  h.emplace_back("X-Original-URI", "/admin?x=1");
  h.emplace_back("X-Forwarded-Method", "PUT");
  h.emplace_back("X-Forwarded-Uri", "/other");
  EXPECT_EQ(Get("/v1/authz", h).status, 200);
  EXPECT_EQ(Get("/v1/authz", {{"X-Original-URI", "/admin"}}).status, 401);
}

TEST_F(AuthzTest, RefusalsMatchMe) {
  const Reply missing = Get("/v1/authz");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(missing.body, Get("/v1/me").body);
  ExpectNoStore(missing);

  const Reply basic = Get("/v1/authz", {{"Authorization", "Basic YTpi"}});
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(basic.Header("www-authenticate"), "Bearer");

  const Reply garbage = Get("/v1/authz", Bearer("not.a.jwt"));
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(garbage.Json().at("reason").as_string(), "invalid");
  EXPECT_EQ(garbage.body, Get("/v1/me", Bearer("not.a.jwt")).body);
  EXPECT_TRUE(garbage.Headers("x-jwtd-sub").empty());
  ExpectNoStore(garbage);

  const Reply twice =
      Get("/v1/authz", {{"Authorization", "Bearer a.b.c"}, {"Authorization", "Bearer a.b.c"}});
  EXPECT_EQ(twice.status, 400);
  ExpectNoStore(twice);
}

TEST_F(AuthzTest, ExpiredTokenSaysExpired) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  clock_.Advance(16 * 60 + 31);  // past the 15-minute lifetime and the 30 s leeway
  const Reply r = Get("/v1/authz", Bearer(token));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json().at("reason").as_string(), "expired");
}

TEST_F(AuthzTest, LogoutRefusesTheTokenAtOnce) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  ASSERT_EQ(Get("/v1/authz", Bearer(token)).status, 200);
  ASSERT_EQ(Send(port(), "POST", "/v1/logout", {}, Bearer(token)).status, 204);
  const Reply r = Get("/v1/authz", Bearer(token));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
  EXPECT_EQ(r.Json().at("reason").as_string(), "revoked");
  EXPECT_TRUE(r.Headers("x-jwtd-sub").empty());
}

TEST_F(AuthzTest, MissingScopeIsInsufficientScope) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "read write");
  EXPECT_EQ(Get("/v1/authz?scope=read", Bearer(token)).status, 200);
  EXPECT_EQ(Get("/v1/authz?scope=write%20read", Bearer(token)).status, 200);
  EXPECT_EQ(Get("/v1/authz?scope=read+write", Bearer(token)).status, 200);

  const Reply r = Get("/v1/authz?scope=read+admin", Bearer(token));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Header("www-authenticate"),
            R"(Bearer error="insufficient_scope", scope="read admin")");
  EXPECT_EQ(r.Json().at("error").as_string(), "insufficient_scope");
  EXPECT_EQ(r.Json().at("scope").as_string(), "read admin");
  EXPECT_TRUE(r.Headers("x-jwtd-sub").empty());
  ExpectNoStore(r);

  // A token without any scope lacks every scope; no token at all is still a 401.
  Register("bob");
  EXPECT_EQ(Get("/v1/authz?scope=read", Bearer(LoginWithScope("bob", ""))).status, 403);
  EXPECT_EQ(Get("/v1/authz?scope=read").status, 401);
  // A prefix of a granted scope is not that scope.
  EXPECT_EQ(Get("/v1/authz?scope=rea", Bearer(token)).status, 403);
}

TEST_F(AuthzTest, MalformedQueryIsRefusedNotIgnored) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "read");
  // A misspelt parameter must not turn the scope check off.
  for (const char* target :
       {"/v1/authz?scopes=admin", "/v1/authz?scope=read&scope=read",
        "/v1/authz?scope=", "/v1/authz?scope=%20read", "/v1/authz?scope=a%20%20b",
        "/v1/authz?scope=a%22b", "/v1/authz?scope=a%5Cb", "/v1/authz?scope=%ZZ"}) {
    SCOPED_TRACE(target);
    const Reply r = Get(target, Bearer(token));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Json().at("error").as_string(), "invalid_request");
    ExpectNoStore(r);
  }
}

// Forward auth takes bearer tokens only: cookie mode's refresh cookie (even with its CSRF
// header) is not an access credential.
TEST_F(AuthzTest, RefreshCookieIsNotAnAccessCredential) {
  const CookieSession c = CookieSignIn("ann");
  const std::string& refresh = c.refresh;
  const Reply r = Get("/v1/authz", {{"Cookie", c.jar}, {"X-CSRF-Token", c.csrf}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
  EXPECT_TRUE(r.Headers("x-jwtd-sub").empty());
  // Nor is a refresh token sent as a bearer token.
  const Reply as_bearer = Get("/v1/authz", Bearer(refresh));
  EXPECT_EQ(as_bearer.status, 401);
  EXPECT_TRUE(as_bearer.Headers("x-jwtd-sub").empty());
}

TEST_F(AuthzTest, MetricsHaveOneSeriesForEveryMethod) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  EXPECT_EQ(Authz("POST", "/v1/authz", Bearer(token)).status, 200);
  EXPECT_EQ(Authz("GET", "/v1/authz", Bearer(token)).status, 200);
  const std::string metrics = Get("/metrics").body;
  const std::string series = R"(jwtd_http_requests_total{route="/v1/authz",status="200"} 2)";
  EXPECT_NE(metrics.find(series), std::string::npos) << metrics;
}

// Envoy's ext_authz HTTP service: the check goes to /v1/authz followed by the original path and
// query, with the original method, and is answered exactly like /v1/authz.
TEST_F(AuthzTest, SubPathIsTheSameCheckForEveryMethod) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "read");
  const Reply base = Get("/v1/authz", Bearer(token));
  ASSERT_EQ(base.status, 200);
  for (const char* method : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    for (const char* target : {"/v1/authz/api/orders/7?x=1", "/v1/authz/", "/v1/authz//a//b",
                               "/v1/authz/api/orders/7?scope=admin&unknown=%ZZ"}) {
      SCOPED_TRACE(std::string(method) + " " + target);
      const Reply ok = Authz(method, target, Bearer(token));
      EXPECT_EQ(ok.status, 200) << ok.body;
      EXPECT_EQ(ok.Header("x-jwtd-sub"), base.Header("x-jwtd-sub"));
      EXPECT_EQ(ok.Header("x-jwtd-sid"), base.Header("x-jwtd-sid"));
      EXPECT_EQ(ok.Header("x-jwtd-scope"), "read");
      ExpectNoStore(ok);
      const Reply none = Authz(method, target);
      EXPECT_EQ(none.status, 401);
      EXPECT_EQ(none.Header("www-authenticate"), "Bearer");
      ExpectNoStore(none);
      const Reply bad = Authz(method, target, Bearer("not.a.jwt"));
      EXPECT_EQ(bad.status, 401);
      EXPECT_EQ(bad.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
      EXPECT_TRUE(bad.Headers("x-jwtd-sub").empty());
    }
  }
  ASSERT_EQ(Send(port(), "POST", "/v1/logout", {}, Bearer(token)).status, 204);
  const Reply revoked = Authz("DELETE", "/v1/authz/api/orders/7", Bearer(token));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.Json().at("reason").as_string(), "revoked");
}

// authz_username_header: the name access tokens do not carry, from the user's row (cached for a
// second), on bearer and cookie-session checks alike; off by default.
TEST_F(AuthzTest, UsernameHeaderOnlyWhenConfigured) {
  Register("ann");
  const std::string plain = LoginWithScope("ann", "");
  const Reply off = Get("/v1/authz", Bearer(plain));
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_TRUE(off.Headers("x-jwtd-username").empty());

  ServerOptions options = DefaultOptions();
  options.authz_username_header = true;
  options.authz_cookie_sessions = true;
  Restart(options);
  Register("bob");
  const std::string token = LoginWithScope("bob", "read");
  for (int i = 0; i < 2; ++i) {  // the first reads the row, the second finds it cached
    const Reply r = Authz("POST", "/v1/authz/api/orders", Bearer(token));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("x-jwtd-username"), "bob");
    EXPECT_EQ(r.Header("x-jwtd-scope"), "read");
    ExpectNoStore(r);
  }
  const CookieSession c = CookieSignIn("cyd");
  const Reply cookie = Get("/v1/authz", {{"Cookie", c.jar}});
  ASSERT_EQ(cookie.status, 200) << cookie.body;
  EXPECT_EQ(cookie.Header("x-jwtd-username"), "cyd");
  // Refusals carry no identity at all.
  const Reply refused = Get("/v1/authz?scope=admin", Bearer(token));
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(refused.Headers("x-jwtd-username").empty());
  const Reply bad = Get("/v1/authz", Bearer("a.b.c"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(bad.Headers("x-jwtd-username").empty());
}

// The sub-path's query is the original request's: never jwtd's parameters, so ?scope= there
// neither requires a scope nor is refused; the scope comes from authz_scope.
TEST_F(AuthzTest, SubPathScopeComesFromConfiguration) {
  ServerOptions options = DefaultOptions();
  options.authz_scope = "read admin";
  Restart(options);
  Register("ann");
  Register("bob");
  const std::string both = LoginWithScope("ann", "admin read write");
  const std::string reader = LoginWithScope("bob", "read");
  EXPECT_EQ(Authz("POST", "/v1/authz/api?scope=read", Bearer(both)).status, 200);
  const Reply r = Authz("POST", "/v1/authz/api?scope=read", Bearer(reader));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Header("www-authenticate"),
            R"(Bearer error="insufficient_scope", scope="read admin")");
  EXPECT_TRUE(r.Headers("x-jwtd-sub").empty());
  ExpectNoStore(r);
  // /v1/authz itself keeps its own ?scope= and ignores authz_scope.
  EXPECT_EQ(Get("/v1/authz?scope=read", Bearer(reader)).status, 200);
  EXPECT_EQ(Get("/v1/authz", Bearer(reader)).status, 200);
  EXPECT_EQ(Get("/v1/authz?scopes=read", Bearer(reader)).status, 400);

  options.authz_scope = "a\"b";
  auto refused = Server::Create(
      options, ServerDeps{tokens_.get(), keys_.get(), store_.get(), nullptr, &clock_});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("authz_scope"), std::string::npos);
}

// A refresh cookie with its CSRF token is no credential on a sub-path either, whatever the
// original method in the request line (only bearer tokens: no unsafe method is ever admitted on
// ambient cookies).
// authz.cookie_sessions: a browser in cookie mode is admitted by its refresh cookie's live
// session; an unsafe original method needs the CSRF header; a logout refuses it at once; a
// bearer header, when present, is what is checked.
TEST_F(AuthzTest, CookieSessionsAdmitALiveSessionWithTheCsrfRuleForUnsafeMethods) {
  ServerOptions options = DefaultOptions();
  options.authz_cookie_sessions = true;
  Restart(options);
  const CookieSession c = CookieSignIn("ann");
  const std::string& csrf = c.csrf;
  const std::string& jar = c.jar;
  const CookieNames names = CookieNamesFor(true);
  const Reply ok = Get("/v1/authz", {{"Cookie", jar}});  // GET: no CSRF header needed
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_FALSE(ok.Header("x-jwtd-sid").empty());
  EXPECT_FALSE(ok.Header("x-jwtd-sub").empty());
  ExpectNoStore(ok);
  // Unsafe original methods, by the gateway's header or (Envoy) the request's own method.
  const Reply no_csrf = Get("/v1/authz", {{"Cookie", jar}, {"X-Original-Method", "POST"}});
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_TRUE(no_csrf.Headers("x-jwtd-sub").empty());
  ExpectNoStore(no_csrf);
  EXPECT_EQ(Authz("DELETE", "/v1/authz/api/orders/7", {{"Cookie", jar}}).status, 403);
  const Reply wrong = Authz("PUT", "/v1/authz/api", {{"Cookie", jar}, {"X-CSRF-Token", "x"}});
  EXPECT_EQ(wrong.status, 403);
  const Reply with_csrf =
      Authz("PATCH", "/v1/authz/api", {{"Cookie", jar}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(with_csrf.status, 200) << with_csrf.body;
  // A scope the session lacks.
  EXPECT_EQ(Get("/v1/authz?scope=admin", {{"Cookie", jar}}).status, 403);
  // A garbage cookie: refused with the challenge, not admitted.
  const Reply garbage =
      Get("/v1/authz", {{"Cookie", std::string(names.refresh) + "=not-a-session"}});
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(garbage.Header("www-authenticate"), R"(Bearer error="invalid_token")");
  // With an Authorization header the cookie is not looked at: a bad bearer stays a refusal.
  EXPECT_EQ(Get("/v1/authz", {{"Cookie", jar}, {"Authorization", "Bearer x.y.z"}}).status, 401);
  // Logout ends the session: the next check refuses it.
  const Reply out =
      Send(port(), "POST", "/v1/logout", "", {{"Cookie", jar}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 204) << out.body;
  const Reply after = Get("/v1/authz", {{"Cookie", jar}});
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_TRUE(after.Headers("x-jwtd-sub").empty());
}

TEST_F(AuthzTest, SubPathRefusesRefreshCookieForEveryMethod) {
  const CookieSession c = CookieSignIn("ann");
  const Headers cookie = {{"Cookie", c.jar}, {"X-CSRF-Token", c.csrf}};
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    SCOPED_TRACE(method);
    const Reply r = Authz(method, "/v1/authz/api/orders/7", cookie);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
    EXPECT_TRUE(r.Headers("x-jwtd-sub").empty());
  }
}

// Traversal and encoded oddities under the prefix are checks, never another route; and the
// prefix does not leak into paths that only look like it.
TEST_F(AuthzTest, SubPathOdditiesDoNotReachOtherRoutes) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  for (const char* target :
       {"/v1/authz/../login", "/v1/authz/%2e%2e/login", "/v1/authz/..%2Fv1%2Flogin",
        "/v1/authz/../../v1/users", "/v1/authz/%00", "/v1/authz/a%2F..%2F..%2Fv1%2Flogout"}) {
    SCOPED_TRACE(target);
    const Reply none = Authz("POST", target, {{"Content-Type", "application/json"}});
    EXPECT_EQ(none.status, 401) << none.body;
    EXPECT_EQ(none.Header("www-authenticate"), "Bearer");
    const Reply ok = Authz("POST", target, Bearer(token));
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_FALSE(ok.Header("x-jwtd-sub").empty());
  }
  for (const char* target : {"/v1/authzz/x", "/v1/authz%2Fapi", "/v1/me/../authz/x", "//v1/authz/x",
                             "/v1//authz/x", "/v1/login/../authz/x"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(Get(target, Bearer(token)).status, 404);
  }
  // The token is still live: none of the above reached /v1/logout.
  EXPECT_EQ(Get("/v1/me", Bearer(token)).status, 200);
  EXPECT_EQ(Get("/v1/me/", Bearer(token)).status, 404);
}

TEST_F(AuthzTest, SubPathsShareOneMetricsSeries) {
  Register("ann");
  const std::string token = LoginWithScope("ann", "");
  EXPECT_EQ(Authz("POST", "/v1/authz/a", Bearer(token)).status, 200);
  EXPECT_EQ(Authz("GET", "/v1/authz/b/c?d=e", Bearer(token)).status, 200);
  const std::string metrics = Get("/metrics").body;
  const std::string series =
      R"(jwtd_http_requests_total{route="/v1/authz/{path...}",status="200"} 2)";
  EXPECT_NE(metrics.find(series), std::string::npos) << metrics;
}

}  // namespace
}  // namespace jwtd::http::testing
