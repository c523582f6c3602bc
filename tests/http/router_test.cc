#include "http/router.h"

#include <gtest/gtest.h>

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

TEST(RouterTest, SplitPath) {
  EXPECT_TRUE(SplitPath("/").empty());
  EXPECT_TRUE(SplitPath("").empty());
  EXPECT_EQ(SplitPath("/a/b"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(SplitPath("/a//b/"), (std::vector<std::string_view>{"a", "", "b", ""}));
}

}  // namespace
}  // namespace jwtd::http
