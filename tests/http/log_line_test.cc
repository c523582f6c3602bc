// http/log_line.h: JSON strings that every parser accepts and that read back as what was written
// (UTF-8 kept, bad bytes replaced), and the shared UTC timestamp.
#include "http/log_line.h"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <boost/json.hpp>
#include <string>

namespace jwtd::http {
namespace {

// AppendJsonString's output, parsed back by Boost.JSON.
std::string RoundTrip(std::string_view s) {
  std::string json;
  AppendJsonString(json, s);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  EXPECT_FALSE(ec) << json;
  if (ec || !v.is_string()) return "<not a JSON string: " + json + ">";
  return std::string(v.as_string());
}

TEST(JsonStringTest, EscapesQuotesBackslashesAndEveryControlCharacter) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls.push_back(static_cast<char>(c));
  for (const std::string& s :
       {std::string(), std::string("plain"), std::string("say \"hi\""), std::string("C:\\dir\\"),
        std::string("line\nbreak\r\n\ttab"), all_controls, std::string("\x7f del"),
        std::string("}\n{\"level\":\"error\"")}) {
    EXPECT_EQ(RoundTrip(s), s);
  }
  std::string json;
  AppendJsonString(json, std::string("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(json, R"("a\"b\\c\nd\u0001")");
  // One line per event: no raw newline may survive.
  json.clear();
  AppendJsonString(json, "x\ny\rz");
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(json.find('\r'), std::string::npos);
}

TEST(JsonStringTest, KeepsUtf8AndReplacesBytesThatAreNot) {
  EXPECT_EQ(RoundTrip("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
  const std::string replacement = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(RoundTrip("a\xff"
                      "b"),
            "a" + replacement + "b");
  EXPECT_EQ(RoundTrip("\xc3"), replacement);                                      // truncated
  EXPECT_EQ(RoundTrip("\xc0\xaf"), replacement + replacement);                    // overlong '/'
  EXPECT_EQ(RoundTrip("\xed\xa0\x80"), replacement + replacement + replacement);  // surrogate
  EXPECT_EQ(RoundTrip("\xf4\x90\x80\x80"),
            replacement + replacement + replacement + replacement);  // above U+10FFFF
}

TEST(JsonFormatterTest, OneObjectPerEventWhateverTheMessage) {
  const std::string message = "bad \"value\"\nsecond line\x1b[31m \xfe";
  spdlog::details::log_msg msg(spdlog::source_loc{}, "jwtd", spdlog::level::err, message);
  JsonFormatter formatter;
  spdlog::memory_buf_t out;
  formatter.format(msg, out);
  const std::string line(out.data(), out.size());
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  const boost::json::object o = boost::json::parse(line).as_object();
  EXPECT_EQ(o.size(), 4U);
  EXPECT_EQ(o.at("level").as_string(), "error");
  EXPECT_EQ(o.at("logger").as_string(), "jwtd");
  EXPECT_EQ(o.at("message").as_string(), "bad \"value\"\nsecond line\x1b[31m \xef\xbf\xbd");
  EXPECT_EQ(o.at("time").as_string().size(), 24U);
  EXPECT_NE(formatter.clone(), nullptr);
}

TEST(UtcTimestampTest, MillisecondsInUtc) {
  std::string out;
  AppendUtcTimestamp(out, 1'764'000'000, 7'654'321);  // 2025-11-24T16:00:00.007Z
  EXPECT_EQ(out, "2025-11-24T16:00:00.007Z");
  out.clear();
  AppendUtcTimestamp(out, 1'764'000'001, 999'999'999);
  EXPECT_EQ(out, "2025-11-24T16:00:01.999Z");
}

}  // namespace
}  // namespace jwtd::http
