// jwtd behind a reverse proxy (server.trusted_proxies) and the Secure cookie attribute: the
// client address from X-Forwarded-For drives the per-address login limit and the access log
// only when the TCP peer is a trusted proxy; X-Forwarded-Proto: https from a trusted proxy, or
// TLS to jwtd itself, makes cookies Secure (and so __Host- named) with server.cookie_secure =
// "auto".
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "jwtd_process.h"
#include "tls_support.h"

namespace jwtd::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

class ProxyTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra) {
    server_ = std::make_unique<JwtdServer>(dir_.path() + "/data", std::move(extra));
    HttpResponse r =
        client().PostJson("/v1/users", {{"username", "ada"}, {"password", "correct horse"}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  HttpClient client() const { return HttpClient(server_->port()); }

  HttpResponse Login(const std::string& password, Headers headers, bool cookie = false) const {
    boost::json::object body{{"username", "ada"}, {"password", password}};
    if (cookie) body["cookie"] = true;
    return client().Send({.method = "POST",
                          .target = "/v1/login",
                          .body = boost::json::serialize(body),
                          .content_type = "application/json",
                          .headers = std::move(headers)});
  }
  int FailedLogin(const std::string& forwarded_for) const {
    return Login("wrong password", {{"X-Forwarded-For", forwarded_for}}).status;
  }

  // The access log is written in batches: poll for the line.
  bool EventuallyLogs(const std::string& text) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_->Output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<JwtdServer> server_;
};

const std::vector<std::string> kTwoFailuresPerAddress = {
    "--set", "login_limits.max_failures_per_address=2", "--set",
    "login_limits.max_failures_per_account=1000"};

TEST_F(ProxyTest, TrustedProxyForwardedForDrivesThePerAddressLimit) {
  std::vector<std::string> args = kTwoFailuresPerAddress;
  args.insert(args.end(), {"--set", "server.trusted_proxies=[\"127.0.0.0/8\"]"});
  Start(args);
  // The client is the rightmost address that is not a trusted proxy; what is left of it may be
  // forged by the client and is ignored.
  EXPECT_EQ(FailedLogin("198.51.100.1, 203.0.113.7"), 401);
  EXPECT_EQ(FailedLogin("198.51.100.2, 203.0.113.7, 127.0.0.9"), 401);
  EXPECT_EQ(FailedLogin("203.0.113.7"), 429);
  // Another client behind the same proxy is not limited by 203.0.113.7's failures.
  EXPECT_EQ(FailedLogin("2001:db8::5"), 401);
  EXPECT_TRUE(EventuallyLogs("client=203.0.113.7 method=POST route=/v1/login status=429"));
  EXPECT_TRUE(EventuallyLogs("client=2001:db8::5 method=POST"));
  // A malformed header counts against the proxy's own address.
  EXPECT_EQ(FailedLogin("203.0.113.8, not-an-address"), 401);
  EXPECT_EQ(FailedLogin("203.0.113.9, not-an-address"), 401);
  EXPECT_EQ(FailedLogin("203.0.113.10, not-an-address"), 429);
  // Garbage left of the client (a forged prefix) does not make the proxy the client: the walk
  // from the right finds 198.51.100.20 first.
  EXPECT_EQ(FailedLogin("not-an-address, 198.51.100.20"), 401);
  EXPECT_EQ(FailedLogin("garbage, 198.51.100.20, 127.0.0.9"), 401);
  EXPECT_EQ(FailedLogin("198.51.100.20"), 429);
  EXPECT_TRUE(EventuallyLogs("client=198.51.100.20 method=POST route=/v1/login status=429"));
}

TEST_F(ProxyTest, UntrustedPeerForwardedForIsIgnored) {
  Start(kTwoFailuresPerAddress);  // trusted_proxies empty (the default)
  EXPECT_EQ(FailedLogin("203.0.113.1"), 401);
  EXPECT_EQ(FailedLogin("203.0.113.2"), 401);
  // Every attempt came from 127.0.0.1 whatever the header says.
  EXPECT_EQ(FailedLogin("203.0.113.3"), 429);
  EXPECT_TRUE(EventuallyLogs("client=127.0.0.1 method=POST route=/v1/login status=429"));
}

constexpr std::string_view kHostNames[] = {"__Host-jwtd_refresh", "__Host-jwtd_csrf"};
constexpr std::string_view kPlainNames[] = {"jwtd_refresh", "jwtd_csrf"};

// Secure cookies come under the __Host- names only (RFC 6265bis §4.1.3.2: Secure, Path=/, no
// Domain), the others under the plain names only (api.md "Cookie mode").
void ExpectHostCookies(const HttpResponse& r) {
  for (std::string_view name : kHostNames) {
    const std::string line = r.SetCookieLine(name);
    EXPECT_NE(line.find("; Secure"), std::string::npos) << name << ": " << line;
    EXPECT_NE(line.find("; Path=/;"), std::string::npos) << line;
    EXPECT_EQ(line.find("Domain"), std::string::npos) << line;
  }
  for (std::string_view name : kPlainNames) EXPECT_EQ(r.SetCookieLine(name), "") << name;
}
void ExpectPlainCookies(const HttpResponse& r) {
  for (std::string_view name : kPlainNames) {
    const std::string line = r.SetCookieLine(name);
    EXPECT_FALSE(line.empty()) << name;
    EXPECT_EQ(line.find("Secure"), std::string::npos) << line;
  }
  for (std::string_view name : kHostNames) EXPECT_EQ(r.SetCookieLine(name), "") << name;
}

// The cookie-carried refresh of the pair `login` set under `names`, through `headers`.
HttpResponse CookieRefresh(const HttpClient& client, const HttpResponse& login,
                           const std::string_view (&names)[2], Headers headers) {
  const std::string csrf = login.SetCookieValue(names[1]);
  headers.emplace_back("Cookie", std::string(names[0]) + "=" + login.SetCookieValue(names[0]) +
                                     "; " + std::string(names[1]) + "=" + csrf);
  headers.emplace_back("X-CSRF-Token", csrf);
  return client.Send({.method = "POST",
                      .target = "/oauth/token",
                      .body = "grant_type=refresh_token",
                      .content_type = "application/x-www-form-urlencoded",
                      .headers = std::move(headers)});
}

TEST_F(ProxyTest, AutoSecureCookiesFollowForwardedProtoFromTrustedProxiesOnly) {
  Start({"--set", "server.cookie_secure=auto", "--set", "server.trusted_proxies=127.0.0.1/32"});
  const Headers https = {{"X-Forwarded-Proto", "https"}};
  const Headers http = {{"X-Forwarded-Proto", "http"}};
  HttpResponse via_https = Login("correct horse", https, true);
  ASSERT_EQ(via_https.status, 200) << via_https.body;
  ExpectHostCookies(via_https);
  HttpResponse via_http = Login("correct horse", http, true);
  ASSERT_EQ(via_http.status, 200) << via_http.body;
  ExpectPlainCookies(via_http);
  // Each scheme reads only its own names: the __Host- pair is not even looked at over plain HTTP
  // (no refresh token at all: 400), and works over HTTPS.
  EXPECT_EQ(CookieRefresh(client(), via_https, kHostNames, http).status, 400);
  HttpResponse rotated = CookieRefresh(client(), via_https, kHostNames, https);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  ExpectHostCookies(rotated);
  EXPECT_EQ(CookieRefresh(client(), via_http, kPlainNames, https).status, 400);
  rotated = CookieRefresh(client(), via_http, kPlainNames, http);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  ExpectPlainCookies(rotated);
}

TEST_F(ProxyTest, UntrustedForwardedProtoDoesNotMakeCookiesSecure) {
  Start({"--set", "server.cookie_secure=auto"});
  HttpResponse r = Login("correct horse", {{"X-Forwarded-Proto", "https"}}, true);
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectPlainCookies(r);
}

TEST_F(ProxyTest, DefaultCookiesAreAlwaysSecure) {
  Start({});
  HttpResponse r = Login("correct horse", {}, true);
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectHostCookies(r);
}

TEST_F(ProxyTest, NeverSecureCookiesHavePlainNames) {
  Start({"--set", "server.cookie_secure=never"});
  HttpResponse r = Login("correct horse", {}, true);
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectPlainCookies(r);
}

TEST_F(ProxyTest, AutoSecureCookiesOverDirectTls) {
  TestPki pki(dir_.path());
  pki.Issue("server", 7);
  server_ = std::make_unique<JwtdServer>(
      dir_.path() + "/data",
      std::vector<std::string>{"--set", "server.cookie_secure=auto", "--set",
                               "tls.cert_file=" + pki.cert("server"), "--set",
                               "tls.key_file=" + pki.key("server")});
  TlsConnection c(server_->port(), pki.ca_file());
  ASSERT_TRUE(c.connected()) << c.handshake_error();
  ASSERT_EQ(c.PostJson("/v1/users", {{"username", "ada"}, {"password", "correct horse"}}).status,
            201);
  HttpResponse r = c.PostJson(
      "/v1/login", {{"username", "ada"}, {"password", "correct horse"}, {"cookie", true}});
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectHostCookies(r);
}

TEST(ProxyConfigTest, ConfigCheckRefusesBadCidrs) {
  ProcessResult r = RunJwtd({"config", "check", "--set", "server.trusted_proxies=10.0.0.0/33"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("server.trusted_proxies"), std::string::npos) << r.out;
  r = RunJwtd({"config", "check", "--set", "server.trusted_proxies=[\"10.0.0.0/8\", \"::1\"]"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// The warning comes first, so a start that fails later (here: an unsupported store URL) shows it.
TEST(ProxyConfigTest, PlainHttpOffLoopbackWarnsLoudly) {
  TempDir dir;
  auto serve = [&](const std::string& listen) {
    return RunJwtd({"serve", "--data-dir", dir.path(), "--listen", listen, "--set",
                    "store.url=unsupported://x"});
  };
  const std::string kWarning = "PLAIN HTTP on non-loopback address 0.0.0.0:0";
  ProcessResult r = serve("0.0.0.0:0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find(kWarning), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("set tls.cert_file and tls.key_file"), std::string::npos) << r.out;
  r = serve("127.0.0.1:0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out.find("PLAIN HTTP"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace jwtd::testing
