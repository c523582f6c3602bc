#include "http/cookies.h"

#include <gtest/gtest.h>

#include "http/csrf.h"

namespace jwtd::http {
namespace {

TEST(CookiesTest, ParsesPairs) {
  const auto c = ParseCookieHeader("jwtd_refresh=abc_-123; jwtd_csrf=\"x.y\";other=1");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].name, "jwtd_refresh");
  EXPECT_EQ(c[0].value, "abc_-123");
  EXPECT_EQ(c[1].value, "x.y");  // DQUOTEs removed (RFC 6265 §4.1.1)
  EXPECT_EQ(c[2].name, "other");
}

TEST(CookiesTest, DropsInvalidPairsOnly) {
  const auto c = ParseCookieHeader("bad name=1; =novalue; noequals; v=a,b; ok=fine; q=\"a\\b\"");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].name, "ok");
  EXPECT_EQ(c[0].value, "fine");
  EXPECT_TRUE(ParseCookieHeader("").empty());
  EXPECT_TRUE(ParseCookieHeader(";;;").empty());
}

TEST(CookiesTest, EmptyValueIsAllowed) {
  const auto c = ParseCookieHeader("jwtd_refresh=");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].value, "");
}

TEST(CookiesTest, FindReportsAmbiguity) {
  const auto c = ParseCookieHeader("jwtd_refresh=a; jwtd_refresh=b; jwtd_csrf=z");
  EXPECT_EQ(FindCookie(c, kRefreshCookie).state, CookieState::kAmbiguous);
  const auto csrf = FindCookie(c, kCsrfCookie);
  EXPECT_EQ(csrf.state, CookieState::kPresent);
  EXPECT_EQ(csrf.value, "z");
  EXPECT_EQ(FindCookie(c, "nope").state, CookieState::kAbsent);
}

TEST(CookiesTest, BuildsSetCookieWithAttributes) {
  SetCookieOptions opt;
  opt.max_age_seconds = 3600;
  EXPECT_EQ(BuildSetCookie("jwtd_refresh", "tok", opt),
            "jwtd_refresh=tok; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict");
  opt.http_only = false;
  opt.secure = false;
  EXPECT_EQ(BuildSetCookie("jwtd_csrf", "c", opt),
            "jwtd_csrf=c; Path=/; Max-Age=3600; SameSite=Strict");
  opt.clear = true;
  EXPECT_EQ(BuildSetCookie("jwtd_csrf", "c", opt),
            "jwtd_csrf=; Path=/; Max-Age=0; SameSite=Strict");
}

TEST(CsrfTest, RequiresEqualNonEmptyValues) {
  EXPECT_TRUE(CsrfCheckPasses("abc", "abc"));
  EXPECT_FALSE(CsrfCheckPasses("abc", "abd"));
  EXPECT_FALSE(CsrfCheckPasses("abc", "ab"));
  EXPECT_FALSE(CsrfCheckPasses("", ""));
  EXPECT_FALSE(CsrfCheckPasses("abc", ""));
  EXPECT_FALSE(CsrfCheckPasses("", "abc"));
}

TEST(CsrfTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "Same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "samex"));
  std::string a(64, 'a'), b = a;
  b[63] = 'b';
  EXPECT_FALSE(ConstantTimeEquals(a, b));
}

TEST(CsrfTest, NewTokensAreRandomAndCookieSafe) {
  const std::string a = NewCsrfToken(), b = NewCsrfToken();
  EXPECT_NE(a, b);
  EXPECT_GE(a.size(), 43u);  // 256 bits in base64url
  const auto parsed = ParseCookieHeader("jwtd_csrf=" + a);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].value, a);
}

}  // namespace
}  // namespace jwtd::http
