// BufferedFdSink (src/http/access_log.h): lines reach the fd in order once flushed, and when the
// bounded buffer is full lines are dropped (never blocking the logger) and the drop is reported.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "http/access_log.h"

namespace jwtd::http {
namespace {

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    close(fds_[0]);
    close(fds_[1]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int write_end() const { return fds_[1]; }
  // Reads until `until` appears or 5 s pass.
  std::string ReadUntil(const std::string& until) {
    std::string got;
    fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      const ssize_t n = read(fds_[0], buf, sizeof buf);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
      if (n <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return got;
  }

 private:
  int fds_[2] = {-1, -1};
};

std::shared_ptr<spdlog::logger> LoggerOn(std::shared_ptr<BufferedFdSink> sink) {
  sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%v"));
  return std::make_shared<spdlog::logger>("test-access", std::move(sink));
}

TEST(BufferedFdSinkTest, LinesArriveInOrderAfterFlush) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 1 << 20);
  auto logger = LoggerOn(sink);
  for (int i = 0; i < 100; ++i) logger->info("line {}", i);
  logger->flush();
  const std::string got = pipe.ReadUntil("line 99\n");
  std::string want;
  for (int i = 0; i < 100; ++i) want += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(got, want);
  EXPECT_EQ(sink->dropped(), 0U);
}

TEST(BufferedFdSinkTest, LinesPastTheBoundAreDroppedAndReported) {
  Pipe pipe;
  // Room for about three 10-byte lines; the writer may run between them, so at most a few fit.
  auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 32);
  auto logger = LoggerOn(sink);
  for (int i = 0; i < 1000; ++i) logger->info("line {:04}", i);
  EXPECT_GT(sink->dropped(), 0U);
  logger->flush();
  const std::string got = pipe.ReadUntil("dropped");
  EXPECT_NE(got.find("line 0000\n"), std::string::npos);
  EXPECT_NE(got.find("lines dropped"), std::string::npos);
}

TEST(BufferedFdSinkTest, DestructionWritesWhatIsPending) {
  Pipe pipe;
  {
    auto logger = LoggerOn(std::make_shared<BufferedFdSink>(pipe.write_end(), 1 << 20));
    logger->info("last words");
  }
  EXPECT_EQ(pipe.ReadUntil("last words\n"), "last words\n");
}

// AccessLog formats its lines itself on MakeAccessLogger's logger: they must be what spdlog's
// pattern gives for the same message, timestamp layout included.
TEST(AccessLogTest, OwnLineLayoutIsThePatternsLayout) {
  Pipe pipe;
  auto logger = MakeAccessLogger(LogFormat::kText, spdlog::level::info, pipe.write_end());
  const AccessLog log(logger);
  log.Write("id-1", "192.0.2.7", "GET", "/v1/me", 200, 42, 321);
  logger->info("request id={} client={} method={} route={} status={} latency_us={} bytes={}",
               "id-1", "192.0.2.7", "GET", "/v1/me", 200, 42, 321);
  logger->info("end");
  logger->flush();
  const std::string text = pipe.ReadUntil("info end\n");
  const auto newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos) << text;
  const std::string first = text.substr(0, newline);
  const std::string second = text.substr(newline + 1, text.find('\n', newline + 1) - newline - 1);
  const std::regex layout(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info request id=id-1 client=192\.0\.2\.7 )"
      R"(method=GET route=/v1/me status=200 latency_us=42 bytes=321)");
  EXPECT_TRUE(std::regex_match(first, layout)) << first;
  EXPECT_TRUE(std::regex_match(second, layout)) << second;
  // The same second, most likely; the part after the timestamp always.
  EXPECT_EQ(first.substr(24), second.substr(24));
}

TEST(AccessLogTest, RespectsTheLoggersLevel) {
  Pipe pipe;
  auto logger = MakeAccessLogger(LogFormat::kText, spdlog::level::warn, pipe.write_end());
  const AccessLog log(logger);
  log.Write("id-2", "192.0.2.7", "GET", "/v1/me", 200, 1, 0);
  logger->warn("marker");
  logger->flush();
  const std::string got = pipe.ReadUntil("marker\n");
  EXPECT_EQ(got.find("id-2"), std::string::npos) << got;
  EXPECT_NE(got.find("marker"), std::string::npos) << got;
}

// The JSON layout: AccessLog's own line and spdlog's (JsonFormatter) are one object each, with the
// fields parsed back as written, strings escaped.
TEST(AccessLogTest, JsonLayoutLinesAreObjects) {
  Pipe pipe;
  auto logger = MakeAccessLogger(LogFormat::kJson, spdlog::level::info, pipe.write_end());
  const AccessLog log(logger);
  log.Write("id-\"3\"", "2001:db8::1", "POST", "/v1/sessions/{id}", 204, 17, 0);
  logger->warn("a \"quoted\"\nmessage\t\x01");
  logger->info("end");
  logger->flush();
  const std::string text = pipe.ReadUntil("\"end\"}\n");
  std::vector<boost::json::object> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t newline = text.find('\n', at);
    ASSERT_NE(newline, std::string::npos) << text;
    boost::system::error_code ec;
    auto value = boost::json::parse(text.substr(at, newline - at), ec);
    ASSERT_FALSE(ec) << text.substr(at, newline - at);
    lines.push_back(value.as_object());
    at = newline + 1;
  }
  ASSERT_EQ(lines.size(), 3U) << text;
  const auto& request = lines[0];
  EXPECT_EQ(request.at("logger").as_string(), "access");
  EXPECT_EQ(request.at("level").as_string(), "info");
  EXPECT_EQ(request.at("message").as_string(), "request");
  EXPECT_EQ(request.at("request_id").as_string(), "id-\"3\"");
  EXPECT_EQ(request.at("client").as_string(), "2001:db8::1");
  EXPECT_EQ(request.at("method").as_string(), "POST");
  EXPECT_EQ(request.at("route").as_string(), "/v1/sessions/{id}");
  EXPECT_EQ(request.at("status").as_int64(), 204);
  EXPECT_EQ(request.at("latency_us").as_int64(), 17);
  EXPECT_EQ(request.at("bytes").as_int64(), 0);
  EXPECT_TRUE(std::regex_match(std::string(request.at("time").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(lines[1].at("level").as_string(), "warning");
  EXPECT_EQ(lines[1].at("message").as_string(), "a \"quoted\"\nmessage\t\x01");
  EXPECT_EQ(lines[2].at("message").as_string(), "end");
}

// In the JSON layout the line reporting dropped lines is an object too: every line still parses.
TEST(BufferedFdSinkTest, DroppedLinesReportIsJsonInTheJsonLayout) {
  Pipe pipe;
  auto sink = std::make_shared<BufferedFdSink>(pipe.write_end(), 256);
  sink->set_formatter(std::make_unique<JsonFormatter>());
  sink->set_layout(SinkLayout::kJson);
  auto logger = std::make_shared<spdlog::logger>("access", sink);
  for (int i = 0; i < 1000; ++i) logger->info("line {:04}", i);
  ASSERT_GT(sink->dropped(), 0U);
  logger->flush();
  const std::string text = pipe.ReadUntil("dropped");
  bool reported = false;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t newline = text.find('\n', at);
    ASSERT_NE(newline, std::string::npos) << text;
    boost::system::error_code ec;
    auto value = boost::json::parse(text.substr(at, newline - at), ec);
    ASSERT_FALSE(ec) << text.substr(at, newline - at);
    const auto& o = value.as_object();
    if (std::string(o.at("message").as_string()).find("lines dropped") != std::string::npos) {
      reported = true;
      EXPECT_EQ(o.at("level").as_string(), "warning");
      EXPECT_EQ(o.at("logger").as_string(), "access");
    }
    at = newline + 1;
  }
  EXPECT_TRUE(reported) << text;
}

}  // namespace
}  // namespace jwtd::http
