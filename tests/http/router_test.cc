#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <utility>

namespace jwtd::http {
namespace {

Handler Reply(int status) {
  return [status](const Request&) { return Outcome(EmptyResponse(status)); };
}

Router MakeRouter() {
  Router r;
  r.Add("GET", "/v1/me", Reply(200));
  r.Add("GET", "/v1/sessions", Reply(201));
  r.Add("DELETE", "/v1/sessions/{id}", Reply(204));
  r.Add("POST", "/v1/logout", Reply(202));
  return r;
}

TEST(RouterTest, MatchesLiteralPath) {
  const Router r = MakeRouter();
  Match m = r.Find("GET", "/v1/me");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/me");
  EXPECT_EQ(m.status, 200);
}

TEST(RouterTest, CapturesPlaceholder) {
  const Router r = MakeRouter();
  Match m = r.Find("DELETE", "/v1/sessions/abc-123");
  ASSERT_NE(m.route, nullptr);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "abc-123");
}

TEST(RouterTest, UnknownPathIs404) {
  const Router r = MakeRouter();
  for (const char* path :
       {"/v1/mine", "/v1/me/", "/", "", "/v1", "/v1/sessions/", "//v1/me", "/v1/sessions/a/b"}) {
    Match m = r.Find("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_TRUE(m.status == 404 || m.status == 405) << path;
  }
  EXPECT_EQ(r.Find("GET", "/nope").status, 404);
  EXPECT_EQ(r.Find("DELETE", "/v1/sessions/").status, 404);
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  const Router r = MakeRouter();
  Match m = r.Find("POST", "/v1/me");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "GET");
  Match d = r.Find("GET", "/v1/sessions/x");
  EXPECT_EQ(d.status, 405);
  EXPECT_EQ(d.allow, "DELETE");
}

TEST(RouterTest, MethodIsCaseSensitive) {
  const Router r = MakeRouter();
  EXPECT_EQ(r.Find("get", "/v1/me").status, 405);  // RFC 9110 §9.1: methods are case-sensitive
}

Router MakeTailRouter() {
  Router r = MakeRouter();
  r.Add("GET", "/v1/authz", Reply(200));
  r.Add("GET", "/v1/authz/{path...}", Reply(200));
  r.Add("POST", "/v1/authz/{path...}", Reply(200));
  return r;
}

TEST(RouterTest, TailCapturesTheRestWithItsSlash) {
  const Router r = MakeTailRouter();
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/authz/api/orders/7", "/api/orders/7"},
      {"/v1/authz/", "/"},
      {"/v1/authz//x", "//x"},
      {"/v1/authz/a/", "/a/"},
      {"/v1/authz/../login", "/../login"},
      {"/v1/authz/%2e%2e/v1/me", "/%2e%2e/v1/me"},
      {"/v1/authz/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18",
       "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18"},
  };
  for (const auto& [path, rest] : cases) {
    SCOPED_TRACE(path);
    const Match m = r.Find("POST", path);
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/v1/authz/{path...}");
    ASSERT_EQ(m.params.size(), 1U);
    EXPECT_EQ(m.params[0].first, "path");
    EXPECT_EQ(m.params[0].second, rest);
  }
  // The exact route is not the tail's: /v1/authz has no "path".
  const Match exact = r.Find("GET", "/v1/authz");
  ASSERT_NE(exact.route, nullptr);
  EXPECT_EQ(exact.route->pattern, "/v1/authz");
  EXPECT_TRUE(exact.params.empty());
  EXPECT_EQ(r.Find("DELETE", "/v1/authz/x").status, 405);
  EXPECT_EQ(r.Find("DELETE", "/v1/authz/x").allow, "GET, POST");
}

TEST(RouterTest, TailDoesNotReachOtherRoutes) {
  const Router r = MakeTailRouter();
  for (const char* path : {"/v1/authzx", "/v1/authz%2Fapi", "/v1/me/../authz/x", "//v1/authz/x",
                           "/v1//authz/x", "/v1/me/x/../../authz/y", "/V1/authz/x"}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(r.Find("GET", path).route, nullptr);
    EXPECT_EQ(r.Find("GET", path).status, 404);
  }
  // Long paths still find nothing outside the tail.
  EXPECT_EQ(r.Find("GET", "/v1/me/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17").status, 404);
  EXPECT_EQ(r.Find("GET", "/v1/me").route->pattern, "/v1/me");
}

TEST(RouterTest, TailMustEndThePattern) {
  Router r;
  EXPECT_THROW(r.Add("GET", "/a/{rest...}/b", Reply(200)), std::invalid_argument);
}

TEST(RouterTest, SplitPath) {
  EXPECT_TRUE(SplitPath("/").empty());
  EXPECT_TRUE(SplitPath("").empty());
  EXPECT_EQ(SplitPath("/a/b"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(SplitPath("/a//b/"), (std::vector<std::string_view>{"a", "", "b", ""}));
}

}  // namespace
}  // namespace jwtd::http
