// Cookie mode over loopback (api.md "Cookie mode"): the signed double-submit CSRF token bound to
// the refresh token it travels with, and the __Host- cookie names of Secure cookies. The attacks
// are those of a party that can plant cookies for the host (a sibling sub-domain, a plain-HTTP
// man in the middle) and send a same-site request with a header of its choice.
#include <boost/json.hpp>

#include "http/cookies.h"
#include "http/csrf.h"
#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

// What a browser holds after a cookie login or refresh.
struct Jar {
  std::string refresh;
  std::string csrf;
};

Jar JarOf(const Reply& r, bool secure) {
  const CookieNames names = CookieNamesFor(secure);
  return {r.SetCookieValue(names.refresh), r.SetCookieValue(names.csrf)};
}

std::string CookieHeader(CookieNames names, const std::string& refresh, const std::string& csrf) {
  return std::string(names.refresh) + "=" + refresh + "; " + std::string(names.csrf) + "=" + csrf;
}

// An attacker-chosen CSRF value, shaped like a real one.
const std::string kPlanted(43, 'A');

class CookieModeTest : public ServerTest {
 protected:
  static ServerOptions Options(CookieSecure secure) {
    ServerOptions o = DefaultOptions();
    o.cookie_secure = secure;
    o.trusted_proxies = {"127.0.0.1/32"};  // the test client plays the TLS-terminating proxy
    return o;
  }

  // A cookie login of `user` (registered first).
  Reply CookieLogin(const std::string& user, Headers headers = {}) {
    Register(user);
    std::string body = R"({"username":")";
    body.append(user).append(R"(","password":")").append(kPassword).append(R"(","cookie":true})");
    return PostJson("/v1/login", std::move(body), std::move(headers));
  }
  // The same, asserting both cookies are set under the names `secure` selects.
  Jar LoginJar(const std::string& user, bool secure) {
    const Reply r = CookieLogin(user);
    EXPECT_EQ(r.status, 200) << r.body;
    Jar jar = JarOf(r, secure);
    EXPECT_FALSE(jar.refresh.empty()) << "no refresh cookie under the expected name";
    EXPECT_FALSE(jar.csrf.empty()) << "no CSRF cookie under the expected name";
    return jar;
  }

  Reply RefreshWith(const std::string& cookie, const std::string& csrf_header,
                    Headers headers = {}) {
    headers.emplace_back("Cookie", cookie);
    if (!csrf_header.empty()) headers.emplace_back("X-CSRF-Token", csrf_header);
    return PostForm("/oauth/token", "grant_type=refresh_token", std::move(headers));
  }
  Reply LogoutWith(const std::string& cookie, const std::string& csrf_header,
                   Headers headers = {}) {
    headers.emplace_back("Cookie", cookie);
    if (!csrf_header.empty()) headers.emplace_back("X-CSRF-Token", csrf_header);
    return Send(port(), "POST", "/v1/logout", {}, std::move(headers));
  }

  static void ExpectCsrfRefused(const Reply& r, const char* what) {
    EXPECT_EQ(r.status, 403) << what << ": " << r.body;
    const auto v = r.Json();
    EXPECT_TRUE(v.is_object() && v.as_object().contains("error") &&
                v.at("error") == "csrf_check_failed")
        << what << ": " << r.body;
  }
};

// (a) A planted pair: the attacker sets the CSRF cookie to a value of its choice and sends the
// same value in X-CSRF-Token, with the victim's real refresh cookie. A plain double-submit check
// lets it through; the bound token does not. Under both name schemes (plain names are what a
// plain-HTTP deployment uses, where planting is easiest).
TEST_F(CookieModeTest, PlantedCsrfPairIsRefusedForRefreshAndLogout) {
  for (const CookieSecure mode : {CookieSecure::kAlways, CookieSecure::kNever}) {
    const bool secure = mode == CookieSecure::kAlways;
    SCOPED_TRACE(secure ? "__Host- names" : "plain names");
    Restart(Options(mode));
    const CookieNames names = CookieNamesFor(secure);
    const Jar victim = LoginJar(secure ? "ann" : "bob", secure);
    const std::string planted = CookieHeader(names, victim.refresh, kPlanted);
    ExpectCsrfRefused(RefreshWith(planted, kPlanted), "refresh with a planted pair");
    ExpectCsrfRefused(LogoutWith(planted, kPlanted), "logout with a planted pair");
    // Nothing was spent or ended: the victim's own pair still works.
    const Reply ok = RefreshWith(CookieHeader(names, victim.refresh, victim.csrf), victim.csrf);
    EXPECT_EQ(ok.status, 200) << ok.body;
  }
}

// (b) A CSRF token that is valid — for another session: the attacker's own session's pair, sent
// with the victim's refresh cookie. Also the session's own previous CSRF token after a rotation.
TEST_F(CookieModeTest, CsrfTokenOfAnotherRefreshTokenIsRefused) {
  int n = 0;
  for (const CookieSecure mode : {CookieSecure::kAlways, CookieSecure::kNever}) {
    const bool secure = mode == CookieSecure::kAlways;
    SCOPED_TRACE(secure ? "__Host- names" : "plain names");
    Restart(Options(mode));
    const CookieNames names = CookieNamesFor(secure);
    const std::string round = std::to_string(++n);
    const Jar victim = LoginJar("victim" + round, secure);
    const Jar attacker = LoginJar("mallory" + round, secure);
    ASSERT_NE(victim.csrf, attacker.csrf);
    const std::string mixed = CookieHeader(names, victim.refresh, attacker.csrf);
    ExpectCsrfRefused(RefreshWith(mixed, attacker.csrf), "refresh with another session's token");
    ExpectCsrfRefused(LogoutWith(mixed, attacker.csrf), "logout with another session's token");
    // The attacker's pair is valid on its own.
    const Reply own =
        RefreshWith(CookieHeader(names, attacker.refresh, attacker.csrf), attacker.csrf);
    EXPECT_EQ(own.status, 200) << own.body;

    const Reply rotated =
        RefreshWith(CookieHeader(names, victim.refresh, victim.csrf), victim.csrf);
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    const Jar next = JarOf(rotated, secure);
    EXPECT_NE(next.csrf, victim.csrf) << "the CSRF token rotates with the refresh token";
    const std::string stale = CookieHeader(names, next.refresh, victim.csrf);
    ExpectCsrfRefused(RefreshWith(stale, victim.csrf), "the previous CSRF token");
    const Reply out = LogoutWith(CookieHeader(names, next.refresh, next.csrf), next.csrf);
    EXPECT_EQ(out.status, 204) << out.body;
  }
}

// The CSRF cookie is base64url(HMAC-SHA256(csrf_key, "jwtd-csrf-v1:" + refresh token)), on login
// and on every refresh.
TEST_F(CookieModeTest, CsrfCookieIsTheMacOfTheRefreshCookieUnderTheServerKey) {
  ServerOptions o = Options(CookieSecure::kAlways);
  Restart(o);
  const Jar jar = LoginJar("ann", true);
  EXPECT_EQ(jar.csrf, CsrfTokenFor(o.csrf_key, jar.refresh));
  const CookieNames names = CookieNamesFor(true);
  const Reply r = RefreshWith(CookieHeader(names, jar.refresh, jar.csrf), jar.csrf);
  ASSERT_EQ(r.status, 200) << r.body;
  const Jar next = JarOf(r, true);
  EXPECT_EQ(next.csrf, CsrfTokenFor(o.csrf_key, next.refresh));
}

// A grace replay (tokens.refresh_grace) returns the same successor, so the same CSRF token, and
// the pair it sets works.
TEST_F(CookieModeTest, GraceReplaySetsTheSameBoundPair) {
  auth::AuthOptions auth = DefaultAuth();
  auth.refresh_grace_seconds = 30;
  Restart(Options(CookieSecure::kAlways), auth);
  const CookieNames names = CookieNamesFor(true);
  const Jar jar = LoginJar("ann", true);
  const std::string cookie = CookieHeader(names, jar.refresh, jar.csrf);
  const Reply first = RefreshWith(cookie, jar.csrf);
  ASSERT_EQ(first.status, 200) << first.body;
  const Reply replay = RefreshWith(cookie, jar.csrf);
  ASSERT_EQ(replay.status, 200) << replay.body;
  const Jar a = JarOf(first, true);
  const Jar b = JarOf(replay, true);
  EXPECT_EQ(a.refresh, b.refresh);
  EXPECT_EQ(a.csrf, b.csrf);
  const Reply next = RefreshWith(CookieHeader(names, b.refresh, b.csrf), b.csrf);
  EXPECT_EQ(next.status, 200) << next.body;
}

// (c) The names: __Host- whenever the cookies are Secure, plain only when they are not; with auto,
// plain over plain HTTP and __Host- behind a trusted proxy that says https. Each answer sets,
// reads and clears the names of its own request.
TEST_F(CookieModeTest, CookieNamesFollowTheSecureAttribute) {
  struct Case {
    CookieSecure mode;
    Headers via;
    bool secure;
    const char* what;
  };
  const Headers https = {{"X-Forwarded-Proto", "https"}};
  const Case cases[] = {
      {CookieSecure::kAlways, {}, true, "always"},
      {CookieSecure::kNever, {}, false, "never"},
      {CookieSecure::kNever, https, false, "never, even over https"},
      {CookieSecure::kAuto, {}, false, "auto over plain HTTP"},
      {CookieSecure::kAuto, https, true, "auto behind a proxy speaking https"},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Restart(Options(c.mode));
    const CookieNames names = CookieNamesFor(c.secure);
    const CookieNames other = CookieNamesFor(!c.secure);
    std::string user = "u";
    user += std::to_string(++n);
    const Reply login = CookieLogin(user, c.via);
    ASSERT_EQ(login.status, 200) << login.body;
    EXPECT_EQ(login.Headers("set-cookie").size(), 2u);
    for (const std::string_view name : {names.refresh, names.csrf}) {
      const std::string line = login.SetCookieLine(name);
      ASSERT_FALSE(line.empty()) << name;
      EXPECT_EQ(line.find("; Secure") != std::string::npos, c.secure) << line;
      EXPECT_NE(line.find("; Path=/;"), std::string::npos) << line;
      EXPECT_EQ(line.find("Domain"), std::string::npos) << line;
    }
    EXPECT_TRUE(login.SetCookieLine(other.refresh).empty());
    EXPECT_TRUE(login.SetCookieLine(other.csrf).empty());

    const Jar jar = JarOf(login, c.secure);
    const Reply rotated = RefreshWith(CookieHeader(names, jar.refresh, jar.csrf), jar.csrf, c.via);
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    const Jar next = JarOf(rotated, c.secure);
    ASSERT_FALSE(next.refresh.empty());
    EXPECT_TRUE(rotated.SetCookieLine(other.refresh).empty());

    const Reply out = LogoutWith(CookieHeader(names, next.refresh, next.csrf), next.csrf, c.via);
    EXPECT_EQ(out.status, 204) << out.body;
    EXPECT_NE(out.SetCookieLine(names.refresh).find("Max-Age=0"), std::string::npos);
    EXPECT_NE(out.SetCookieLine(names.csrf).find("Max-Age=0"), std::string::npos);
    EXPECT_TRUE(out.SetCookieLine(other.refresh).empty());
  }
}

// (d) A plain-named refresh cookie sent to a deployment whose cookies are Secure is not read at
// all: absent (400 without a body token, 401 for logout), never spent, even with its true CSRF
// token; a plain-named CSRF cookie does not stand in for the __Host- one either. The reverse holds
// on a plain-HTTP deployment.
TEST_F(CookieModeTest, CookiesUnderTheOtherNamesAreIgnored) {
  const CookieNames host = CookieNamesFor(true);
  const CookieNames plain = CookieNamesFor(false);
  const Jar jar = LoginJar("ann", true);
  const std::string as_plain = CookieHeader(plain, jar.refresh, jar.csrf);
  const Reply refresh = RefreshWith(as_plain, jar.csrf);
  EXPECT_EQ(refresh.status, 400) << refresh.body;
  EXPECT_NE(refresh.body.find("missing field 'refresh_token'"), std::string::npos) << refresh.body;
  EXPECT_TRUE(refresh.Headers("set-cookie").empty());
  EXPECT_EQ(LogoutWith(as_plain, jar.csrf).status, 401);
  const std::string mixed = std::string(host.refresh) + "=" + jar.refresh + "; " +
                            std::string(plain.csrf) + "=" + kPlanted;
  ExpectCsrfRefused(RefreshWith(mixed, kPlanted), "a plain-named CSRF cookie");
  const Reply ok = RefreshWith(CookieHeader(host, jar.refresh, jar.csrf), jar.csrf);
  EXPECT_EQ(ok.status, 200) << "the refresh token was not spent: " << ok.body;

  Restart(Options(CookieSecure::kNever));
  const Jar plain_jar = LoginJar("bob", false);
  const std::string as_host = CookieHeader(host, plain_jar.refresh, plain_jar.csrf);
  EXPECT_EQ(RefreshWith(as_host, plain_jar.csrf).status, 400);
  const Reply plain_ok =
      RefreshWith(CookieHeader(plain, plain_jar.refresh, plain_jar.csrf), plain_jar.csrf);
  EXPECT_EQ(plain_ok.status, 200) << plain_ok.body;
}

TEST_F(CookieModeTest, ServerRequiresA32ByteCsrfKey) {
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{16}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    ServerOptions o = DefaultOptions();
    o.csrf_key = std::string(size, 'k');
    auto server = Server::Create(o, {tokens_.get(), keys_.get(), store_.get(), nullptr, &clock_});
    ASSERT_FALSE(server.ok()) << size;
    EXPECT_EQ(server.error().code(), Code::kInvalidArgument);
    EXPECT_NE(server.error().message().find("csrf_key"), std::string::npos);
  }
}

}  // namespace
}  // namespace jwtd::http::testing
