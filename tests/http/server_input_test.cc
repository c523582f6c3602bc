// Bad input on every endpoint: malformed JSON, wrong types, oversized bodies and headers,
// wrong media types, malformed HTTP and garbage tokens all get a 4xx JSON error, never a 5xx,
// and the server stays healthy afterwards.
#include <boost/json.hpp>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

const char* const kJsonPosts[] = {"/v1/users",    "/v1/login",     "/v1/logout",
                                  "/oauth/token", "/oauth/revoke", "/oauth/introspect"};

void ExpectJsonError(const Reply& r, int status, const std::string& where) {
  EXPECT_EQ(r.status, status) << where << ": " << r.body;
  const auto v = r.Json();
  ASSERT_TRUE(v.is_object()) << where << ": " << r.body;
  EXPECT_TRUE(v.as_object().at("error").is_string()) << where;
  EXPECT_FALSE(v.as_object().at("error_description").as_string().empty()) << where;
}

TEST_F(ServerTest, MalformedJsonIs400Everywhere) {
  for (const char* path : kJsonPosts) {
    for (const char* body : {"{", "[1,2]", "\"s\"", "{\"a\":}", "{\"a\":1}}", "\xff\xfe"}) {
      ExpectJsonError(PostJson(path, body), 400, std::string(path) + " " + body);
    }
  }
  ASSERT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, WrongTypesNameTheField) {
  const Reply r = PostJson("/v1/users", R"({"username":42,"password":"correct horse"})");
  ExpectJsonError(r, 400, "users");
  EXPECT_NE(r.body.find("username"), std::string::npos);
  const Reply c = PostJson("/v1/login", R"({"username":"a","password":"b","cookie":"yes"})");
  ExpectJsonError(c, 400, "login cookie");
  EXPECT_NE(c.body.find("cookie"), std::string::npos);
  ExpectJsonError(PostJson("/v1/login", R"({"username":["a"],"password":"b"})"), 400, "login");
  ExpectJsonError(PostJson("/oauth/token", R"({"grant_type":"refresh_token","refresh_token":{}})"),
                  400, "token");
  ExpectJsonError(PostJson("/oauth/revoke", R"({"token":true})"), 400, "revoke");
  ExpectJsonError(PostJson("/v1/logout", R"({"refresh_token":1})"), 400, "logout");
  ExpectJsonError(PostJson("/v1/users", R"({"password":"correct horse"})"), 400, "missing");
}

TEST_F(ServerTest, LogoutAllRejectsWrongTypeOfExceptCurrent) {
  Register("ann");
  const auto t = Login("ann");
  const std::string access(t.at("access_token").as_string());
  ExpectJsonError(PostJson("/v1/logout-all", R"({"except_current":"yes"})", Bearer(access)), 400,
                  "logout-all");
  // The rejected request ended nothing.
  EXPECT_EQ(Get("/v1/me", Bearer(access)).status, 200);
}

TEST_F(ServerTest, WrongMediaTypeIs415) {
  for (const char* path : kJsonPosts) {
    const Reply r = Send(port(), "POST", path, "{}", {{"Content-Type", "text/plain"}});
    ExpectJsonError(r, 415, path);
  }
  // Form bodies are for the OAuth endpoints only.
  const Reply form = Send(port(), "POST", "/v1/login", "username=a&password=b",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectJsonError(form, 415, "login form");
}

TEST_F(ServerTest, HugeBodyIs413) {
  const std::string big = "{\"username\":\"" + std::string(70 * 1024, 'a') + "\"}";
  for (const char* path : kJsonPosts) ExpectJsonError(PostJson(path, big), 413, path);
  // Chunked, without a Content-Length up front.
  std::string chunked =
      "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 80; ++i) chunked += "400\r\n" + std::string(1024, 'a') + "\r\n";
  chunked += "0\r\n\r\n";
  const std::string raw = RawExchange(port(), chunked, std::chrono::seconds(5));
  EXPECT_EQ(raw.rfind("HTTP/1.1 413", 0), 0u) << raw.substr(0, 80);
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, HugeHeadersAre431) {
  const Reply r = Get("/v1/me", {{"X-Padding", std::string(9 * 1024, 'p')}});
  ExpectJsonError(r, 431, "headers");
  const Reply token = Get("/v1/me", Bearer(std::string(10 * 1024, 'x')));
  ExpectJsonError(token, 431, "huge token");
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, GarbageTokensAre401OnEveryBearerEndpoint) {
  const std::vector<std::string> tokens = {
      "garbage",   "a.b.c",      "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", std::string(4000, 'A'),
      "a.b.c.d.e", "%%%.***.!!!"};
  struct Call {
    const char* method;
    const char* path;
  };
  const Call calls[] = {
      {"GET", "/v1/me"},      {"GET", "/v1/sessions"},    {"DELETE", "/v1/sessions/abc"},
      {"POST", "/v1/logout"}, {"POST", "/v1/logout-all"}, {"POST", "/v1/password"}};
  for (const auto& token : tokens) {
    for (const auto& call : calls) {
      const Reply r = Send(port(), call.method, call.path, {}, Bearer(token));
      ExpectJsonError(r, 401, std::string(call.path) + " " + token.substr(0, 20));
      EXPECT_EQ(r.Header("www-authenticate"), "Bearer error=\"invalid_token\"");
      EXPECT_EQ(r.Json().at("error_description").as_string(), "invalid token");
    }
  }
  ExpectJsonError(Get("/v1/me", {{"Authorization", "Bearer"}}), 401, "empty bearer");
  ExpectJsonError(Get("/v1/me", {{"Authorization", "Bearer a"}, {"Authorization", "Bearer b"}}),
                  400, "two headers");
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, UnknownPathsAndMethods) {
  ExpectJsonError(Get("/nope"), 404, "unknown");
  ExpectJsonError(Get("/v1/me/"), 404, "trailing slash");
  const Reply m = Send(port(), "PUT", "/v1/me");
  ExpectJsonError(m, 405, "method");
  EXPECT_EQ(m.Header("allow"), "GET");
  ExpectJsonError(Get("/v1/login"), 405, "GET login");
  ExpectJsonError(Send(port(), "DELETE", "/v1/sessions"), 405, "DELETE sessions");
}

TEST_F(ServerTest, MalformedHttpIs400AndClosed) {
  for (const std::string& bytes :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /v1/me HTTP/9.9\r\n\r\n"),
        std::string("GET /v1/me HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST /v1/users HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        std::string("POST /v1/users HTTP/1.1\r\nContent-Length: -1\r\n\r\n")}) {
    bool closed = false;
    const std::string raw = RawExchange(port(), bytes, std::chrono::seconds(3), &closed);
    EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << bytes << " -> " << raw.substr(0, 60);
    EXPECT_TRUE(closed) << bytes;
  }
  // An absolute-form target is not an origin-form path (RFC 9112 §3.2.1).
  const std::string abs = RawExchange(port(), "GET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                                      std::chrono::seconds(3));
  EXPECT_EQ(abs.rfind("HTTP/1.1 400", 0), 0u) << abs.substr(0, 60);
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ServerTest, CookieEdgeCases) {
  Register("ann");
  Reply login;
  Login("ann", true, &login);
  const std::string refresh = login.SetCookieValue("__Host-jwtd_refresh");
  const std::string csrf = login.SetCookieValue("__Host-jwtd_csrf");
  // A tossed duplicate cookie is refused rather than guessed at.
  const Reply dup = PostForm("/oauth/token", "grant_type=refresh_token",
                             {{"Cookie", "__Host-jwtd_refresh=" + refresh +
                                             "; __Host-jwtd_refresh=x; __Host-jwtd_csrf=" + csrf},
                              {"X-CSRF-Token", csrf}});
  ExpectJsonError(dup, 400, "duplicate cookie");
  // The CSRF cookie missing: 403 even with a header.
  ExpectJsonError(PostForm("/oauth/token", "grant_type=refresh_token",
                           {{"Cookie", "__Host-jwtd_refresh=" + refresh}, {"X-CSRF-Token", csrf}}),
                  403, "no csrf cookie");
  // Junk from other applications on the host does not get in the way.
  const Reply ok = PostForm("/oauth/token", "grant_type=refresh_token",
                            {{"Cookie", "other app=1; __Host-jwtd_refresh=" + refresh +
                                            "; x=\"q; __Host-jwtd_csrf=" + csrf},
                             {"X-CSRF-Token", csrf}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

}  // namespace
}  // namespace jwtd::http::testing
