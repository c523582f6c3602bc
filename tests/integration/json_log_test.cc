// log.format = "json" on a real `jwtd serve`: every line it writes (start banner, error log,
// access log) parses as one JSON object with the documented fields, the access lines name the
// route's pattern and never a token, password or query string; a bad log.format is refused.
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "server_fixture.h"

namespace jwtd::testing {
namespace {

std::vector<boost::json::object> ParseEveryLine(const std::string& out) {
  std::vector<boost::json::object> objects;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << "not JSON (" << ec.message() << "): " << line;
    if (ec) continue;
    EXPECT_TRUE(value.is_object()) << line;
    if (value.is_object()) objects.push_back(value.as_object());
  }
  return objects;
}

std::string StringField(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  EXPECT_TRUE(v != nullptr && v->is_string()) << name << " in " << boost::json::serialize(o);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t IntField(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  EXPECT_TRUE(v != nullptr && v->is_int64()) << name << " in " << boost::json::serialize(o);
  return v != nullptr && v->is_int64() ? v->as_int64() : -1;
}

TEST_F(SqliteServerTest, JsonLogIsOneObjectPerLineWithoutSecrets) {
  StartServer({"--set", "log.format=json"});
  const std::string password = "json \"quoted\" pass\\word";
  Register("json-user", password);
  const Tokens t = Login("json-user", password);
  ASSERT_EQ(MeStatus(t.access), 200);
  // A token in the query string (refused: tokens go in the header) must not reach the log.
  HttpClient http = client();
  http.Get("/v1/me?access_token=" + t.access + "&secret=query-secret-value");
  HttpRequest traced;
  traced.target = "/healthz";
  traced.headers.emplace_back("X-Request-Id", "trace-42");
  traced.headers.emplace_back("Cookie", "jwtd_refresh=cookie-secret-value");
  ASSERT_EQ(http.Send(traced).status, 200);
  const Tokens next = [&] {
    HttpResponse r = Refresh(t.refresh);
    EXPECT_EQ(r.status, 200) << r.body;
    return Tokens{std::string(r.Json().at("access_token").as_string()),
                  std::string(r.Json().at("refresh_token").as_string())};
  }();
  const std::string sid = ClaimOf(next.access, "sid");
  ASSERT_EQ(http.Delete("/v1/sessions/" + sid, next.access).status, 204);
  kill(server_->pid(), SIGHUP);  // an error-log line ("SIGHUP: nothing to reload")
  ASSERT_EQ(server_->Terminate(), 0);
  const std::string out = server_->Output();

  const std::vector<boost::json::object> lines = ParseEveryLine(out);
  const std::regex iso_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  std::set<std::string> routes, loggers;
  bool banner = false, sighup = false, traced_seen = false;
  for (const auto& o : lines) {
    EXPECT_TRUE(std::regex_match(StringField(o, "time"), iso_time)) << boost::json::serialize(o);
    EXPECT_FALSE(StringField(o, "level").empty());
    const std::string logger = StringField(o, "logger");
    const std::string message = StringField(o, "message");
    loggers.insert(logger);
    if (message.starts_with("jwtd listening on http://127.0.0.1:")) {
      banner = true;
      EXPECT_FALSE(StringField(o, "config").empty());
    }
    if (message.starts_with("SIGHUP")) sighup = true;
    if (logger != "access") continue;
    EXPECT_EQ(message, "request");
    EXPECT_EQ(StringField(o, "level"), "info");
    EXPECT_EQ(StringField(o, "client"), "127.0.0.1");
    EXPECT_FALSE(StringField(o, "method").empty());
    EXPECT_GE(IntField(o, "status"), 200);
    EXPECT_GE(IntField(o, "latency_us"), 0);
    EXPECT_GE(IntField(o, "bytes"), 0);
    const std::string id = StringField(o, "request_id");
    EXPECT_FALSE(id.empty());
    if (id == "trace-42") traced_seen = true;
    routes.insert(StringField(o, "route"));
  }
  EXPECT_TRUE(banner) << out;
  EXPECT_TRUE(sighup) << out;
  EXPECT_TRUE(traced_seen) << "the client's X-Request-Id is the line's request_id\n" << out;
  EXPECT_EQ(loggers, (std::set<std::string>{"jwtd", "access"})) << out;
  // The matched patterns, never a path with the session id or a query string.
  for (const char* route :
       {"/v1/users", "/v1/login", "/v1/me", "/healthz", "/oauth/token", "/v1/sessions/{id}"}) {
    EXPECT_TRUE(routes.count(route)) << route << " not logged\n" << out;
  }
  for (const std::string& route : routes) {
    EXPECT_EQ(route.find('?'), std::string::npos) << route;
    EXPECT_EQ(route.find(sid), std::string::npos) << route;
  }
  for (const std::string& secret :
       {t.access, t.refresh, next.access, next.refresh, password, std::string("json \\\"quoted"),
        std::string("query-secret-value"), std::string("cookie-secret-value")}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << "the log holds a secret: " << secret;
  }
}

TEST_F(SqliteServerTest, TextLogAccessLinesCarryTheRoutePatternAndBytes) {
  StartServer();
  Register("text-user");
  const Tokens t = Login("text-user");
  const std::string sid = ClaimOf(t.access, "sid");
  ASSERT_EQ(client().Delete("/v1/sessions/" + sid, t.access).status, 204);
  ASSERT_EQ(server_->Terminate(), 0);
  const std::string out = server_->Output();
  const std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info request id=\S+ client=127\.0\.0\.1 )"
      R"(method=DELETE route=/v1/sessions/\{id\} status=204 latency_us=\d+ bytes=0)");
  std::istringstream lines(out);
  std::string l;
  bool found = false;
  while (std::getline(lines, l)) found = found || std::regex_match(l, line);
  EXPECT_TRUE(found) << out;
  EXPECT_EQ(out.find(sid), std::string::npos) << out;
}

TEST(LogFormatOptionTest, BadValuesAreRefusedWithTheOption) {
  TempDir dir;
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"config", "check"}, std::vector<std::string>{"serve"}}) {
    for (const char* bad : {"xml", "JSON", ""}) {
      std::vector<std::string> args = command;
      for (const char* extra : {"--data-dir", dir.path().c_str(), "--listen", "127.0.0.1:0"}) {
        args.emplace_back(extra);
      }
      args.emplace_back("--set");
      args.emplace_back(std::string("log.format=") + bad);
      const ProcessResult r = RunJwtd(args);
      EXPECT_EQ(r.exit_code, 2) << command[0] << " " << bad << ": " << r.out;
      EXPECT_NE(r.out.find("log.format: expected text or json"), std::string::npos) << r.out;
      EXPECT_EQ(r.out.find("listening"), std::string::npos) << r.out;
    }
  }
  // In a file: the file and line.
  const std::string file = dir.path() + "/bad.toml";
  std::ofstream(file) << "[log]\nformat = \"syslog\"\n";
  const ProcessResult from_file = RunJwtd({"config", "check", "--config", file});
  EXPECT_EQ(from_file.exit_code, 2) << from_file.out;
  EXPECT_NE(from_file.out.find("bad.toml"), std::string::npos) << from_file.out;
  EXPECT_NE(from_file.out.find("log.format"), std::string::npos) << from_file.out;
  // Both good values, from the environment too.
  for (const char* good : {"text", "json"}) {
    const ProcessResult ok =
        RunJwtd({"config", "check", "--data-dir", dir.path()}, {{"JWTD_LOG_FORMAT", good}});
    EXPECT_EQ(ok.exit_code, 0) << good << ": " << ok.out;
  }
}

}  // namespace
}  // namespace jwtd::testing
