#include "http/metrics.h"

#include <gtest/gtest.h>

#include "http/address_filter.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(MetricsTest, RendersCountersAndHistogram) {
  Metrics m({"/v1/me", "/v1/login"});
  const auto me = m.RouteIndex("/v1/me");
  m.RecordRequest(me, 200, 300'000);    // 0.3 ms
  m.RecordRequest(me, 200, 2'000'000);  // 2 ms
  m.RecordRequest(me, 401, 100'000);
  m.RecordRequest(m.RouteIndex("/nope"), 404, 1000);
  m.RecordLogin(LoginResult::kOk);
  m.RecordLogin(LoginResult::kFailed);
  m.RecordLogin(LoginResult::kFailed);
  m.RecordRefresh(true);
  m.RecordReuseDetected();
  m.RecordRevocation(RevocationMetric::kLogoutAll);
  m.RecordTokenRejected(Reason::kTokenExpired);
  m.RecordTokenRejected(Reason::kTokenExpired);
  m.ConnectionOpened();
  m.ConnectionOpened();
  m.ConnectionOpened();
  m.ConnectionClosed();
  m.RecordConnectionRefused();
  Gauges g;
  g.have_view = true;
  g.denied_jtis = 7;
  g.keys = 2;
  const std::string text = m.Render(g);
  EXPECT_TRUE(Contains(text, "jwtd_http_requests_total{route=\"/v1/me\",status=\"200\"} 2\n"));
  EXPECT_TRUE(Contains(text, "\njwtd_connections_open 2\n"));
  EXPECT_TRUE(Contains(text, "# TYPE jwtd_connections_refused_total counter\n"));
  EXPECT_TRUE(Contains(text, "\njwtd_connections_refused_total 1\n"));
  EXPECT_TRUE(Contains(text, "jwtd_http_requests_total{route=\"/v1/me\",status=\"401\"} 1\n"));
  EXPECT_TRUE(Contains(text, "jwtd_http_requests_total{route=\"other\",status=\"404\"} 1\n"));
  EXPECT_TRUE(Contains(
      text, "jwtd_http_request_duration_seconds_bucket{route=\"/v1/me\",le=\"0.0005\"} 2\n"));
  EXPECT_TRUE(Contains(
      text, "jwtd_http_request_duration_seconds_bucket{route=\"/v1/me\",le=\"0.0025\"} 3\n"));
  EXPECT_TRUE(Contains(
      text, "jwtd_http_request_duration_seconds_bucket{route=\"/v1/me\",le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(Contains(text, "jwtd_http_request_duration_seconds_count{route=\"/v1/me\"} 3\n"));
  EXPECT_TRUE(Contains(text, "jwtd_logins_total{result=\"failed\"} 2\n"));
  EXPECT_TRUE(Contains(text, "jwtd_logins_total{result=\"ok\"} 1\n"));
  EXPECT_TRUE(Contains(text, "jwtd_refreshes_total{result=\"ok\"} 1\n"));
  EXPECT_TRUE(Contains(text, "jwtd_refresh_reuse_detected_total 1\n"));
  EXPECT_TRUE(Contains(text, "jwtd_revocations_total{kind=\"logout_all\"} 1\n"));
  EXPECT_TRUE(Contains(text, "jwtd_token_rejections_total{reason=\"token_expired\"} 2\n"));
  EXPECT_TRUE(Contains(text, "jwtd_revocation_view_entries{kind=\"jti\"} 7\n"));
  EXPECT_TRUE(Contains(text, "jwtd_signing_keys 2\n"));
  EXPECT_FALSE(Contains(text, "route=\"/v1/login\",status"));  // nothing recorded there
}

TEST(AddressFilterTest, MatchesCidrBlocks) {
  auto f = AddressFilter::Create({"127.0.0.0/8", "::1/128", "10.1.0.0/16", "192.168.1.7"});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Allows("127.0.0.1"));
  EXPECT_TRUE(f->Allows("127.255.1.2"));
  EXPECT_TRUE(f->Allows("::1"));
  EXPECT_TRUE(f->Allows("::ffff:127.0.0.1"));  // IPv4-mapped peer on a dual-stack socket
  EXPECT_TRUE(f->Allows("10.1.200.3"));
  EXPECT_FALSE(f->Allows("10.2.0.1"));
  EXPECT_TRUE(f->Allows("192.168.1.7"));
  EXPECT_FALSE(f->Allows("192.168.1.8"));
  EXPECT_FALSE(f->Allows("::2"));
  EXPECT_FALSE(f->Allows("not an address"));
  EXPECT_FALSE(f->Allows(""));
}

TEST(AddressFilterTest, RejectsBadEntries) {
  for (const char* bad : {"127.0.0.0/33", "::1/129", "nope", "1.2.3.4/", "1.2.3.4/x", "/8"}) {
    EXPECT_FALSE(AddressFilter::Create({bad}).ok()) << bad;
  }
  auto none = AddressFilter::Create({});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->Allows("127.0.0.1"));
}

TEST(ClientAuthTest, DecodesBase64) {
  EXPECT_EQ(DecodeBase64("YWxpY2U6czNjcmV0"), "alice:s3cret");
  EXPECT_EQ(DecodeBase64("YQ=="), "a");
  EXPECT_EQ(DecodeBase64("YWI="), "ab");
  EXPECT_FALSE(DecodeBase64("YQ").has_value());
  EXPECT_FALSE(DecodeBase64("Y===").has_value());
  EXPECT_FALSE(DecodeBase64("YQ==YQ==").has_value());
  EXPECT_FALSE(DecodeBase64("Y-_=").has_value());
  EXPECT_FALSE(DecodeBase64("").has_value());
}

TEST(StaticFilesTest, ContentTypes) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("x"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("archive.tar.gz"), "application/octet-stream");
}

}  // namespace
}  // namespace jwtd::http
