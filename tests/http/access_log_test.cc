// The access log: one line per request with its id, method, route, status and latency, and
// never a token, password, cookie or Authorization header.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <sstream>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

TEST_F(ServerTest, AccessLogHasOneLinePerRequestAndNoSecrets) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("access", sink);
  spdlog::register_logger(logger);
  Restart(DefaultOptions());  // the server picks the "access" logger up at construction

  Register("ann");
  Reply login;
  const auto t = Login("ann", true, &login);
  const std::string access(t.at("access_token").as_string());
  const std::string refresh = login.SetCookieValue("__Host-jwtd_refresh");
  const std::string csrf = login.SetCookieValue("__Host-jwtd_csrf");
  ASSERT_EQ(Get("/v1/me", Bearer(access)).status, 200);
  ASSERT_EQ(Get("/healthz", {{"X-Request-Id", "trace-42"}}).status, 200);
  ASSERT_EQ(PostForm("/oauth/token", "grant_type=refresh_token",
                     {{"Cookie", "__Host-jwtd_refresh=" + refresh + "; __Host-jwtd_csrf=" + csrf},
                      {"X-CSRF-Token", csrf}})
                .status,
            200);
  StopServer();  // every response written and logged
  logger->flush();
  spdlog::drop("access");

  const std::string log = captured.str();
  std::size_t lines = 0;
  for (char c : log) lines += c == '\n' ? 1 : 0;
  EXPECT_EQ(lines, 5u) << log;
  EXPECT_NE(log.find("id=trace-42"), std::string::npos);
  EXPECT_NE(log.find("method=GET route=/v1/me status=200"), std::string::npos);
  EXPECT_NE(log.find("route=/v1/login status=200"), std::string::npos);
  for (const std::string& secret : {access, refresh, csrf, std::string(kPassword)}) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(log.find(secret), std::string::npos);
  }
  EXPECT_EQ(log.find("Bearer"), std::string::npos);
}

}  // namespace
}  // namespace jwtd::http::testing
