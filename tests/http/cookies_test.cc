#include "http/cookies.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(FindCookie(c, kPlainRefreshCookie).state, CookieState::kAmbiguous);
  const auto csrf = FindCookie(c, kPlainCsrfCookie);
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

// Names are case-sensitive: a browser keeps __Host-jwtd_refresh and jwtd_refresh apart, and a
// request reads only the one its answer would set.
TEST(CookiesTest, NamesFollowTheSecureAttribute) {
  EXPECT_EQ(CookieNamesFor(true).refresh, "__Host-jwtd_refresh");
  EXPECT_EQ(CookieNamesFor(true).csrf, "__Host-jwtd_csrf");
  EXPECT_EQ(CookieNamesFor(false).refresh, "jwtd_refresh");
  EXPECT_EQ(CookieNamesFor(false).csrf, "jwtd_csrf");
  const auto c = ParseCookieHeader("jwtd_refresh=plain; __Host-jwtd_refresh=host");
  EXPECT_EQ(FindCookie(c, CookieNamesFor(true).refresh).value, "host");
  EXPECT_EQ(FindCookie(c, CookieNamesFor(false).refresh).value, "plain");
  EXPECT_EQ(FindCookie(ParseCookieHeader("jwtd_refresh=plain"), kHostRefreshCookie).state,
            CookieState::kAbsent);
}

// RFC 6265bis §4.1.3.2: a __Host- cookie needs Secure, Path=/ and no Domain, or the browser
// drops it; BuildSetCookie never writes Domain, always Path=/, and adds Secure to a prefixed name
// whatever the options say (the prefix is matched case-insensitively, as browsers do).
TEST(CookiesTest, HostPrefixedCookiesAreAlwaysSecureWithRootPathAndNoDomain) {
  SetCookieOptions opt;
  opt.max_age_seconds = 60;
  const std::string line = BuildSetCookie(kHostRefreshCookie, "tok", opt);
  EXPECT_EQ(line, "__Host-jwtd_refresh=tok; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict");
  EXPECT_EQ(line.find("Domain"), std::string::npos);
  opt.secure = false;
  opt.http_only = false;
  EXPECT_EQ(BuildSetCookie(kHostCsrfCookie, "c", opt),
            "__Host-jwtd_csrf=c; Path=/; Max-Age=60; Secure; SameSite=Strict");
  EXPECT_EQ(BuildSetCookie("__host-x", "c", opt),
            "__host-x=c; Path=/; Max-Age=60; Secure; SameSite=Strict");
  EXPECT_EQ(BuildSetCookie("__Secure-x", "c", opt),
            "__Secure-x=c; Path=/; Max-Age=60; Secure; SameSite=Strict");
  EXPECT_EQ(BuildSetCookie("__Hostx", "c", opt), "__Hostx=c; Path=/; Max-Age=60; SameSite=Strict");
  opt.clear = true;
  EXPECT_EQ(BuildSetCookie(kHostCsrfCookie, "c", opt),
            "__Host-jwtd_csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict");
}

}  // namespace
}  // namespace jwtd::http
