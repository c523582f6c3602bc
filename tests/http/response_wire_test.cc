// SerializeResponse: the bytes a client reads, parsed back with Beast's response parser.
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

#include "http/exchange.h"

namespace jwtd::http {
namespace {

namespace bhttp = boost::beast::http;
using Parsed = bhttp::response<bhttp::string_body>;

Parsed Parse(const std::string& bytes, bool head) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(head);
  parser.eager(true);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, bytes.size()) << "bytes after the message";
  return parser.release();
}

TEST(ResponseWireTest, StatusHeadersAndBody) {
  Response r = JsonResponse(201, R"({"sub":"u1"})");
  r.With("Cache-Control", "no-store").With("Set-Cookie", "a=1; Path=/").With("Set-Cookie", "b=2");
  const std::string bytes = SerializeResponse(r, "req-7", false, false);
  EXPECT_TRUE(bytes.starts_with("HTTP/1.1 201 Created\r\n")) << bytes;

  const Parsed p = Parse(bytes, false);
  EXPECT_EQ(p.result_int(), 201u);
  EXPECT_EQ(p[bhttp::field::content_type], "application/json");
  EXPECT_EQ(p["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(p["X-Request-Id"], "req-7");
  EXPECT_EQ(p[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(p.count(bhttp::field::set_cookie), 2u);
  EXPECT_EQ(p.body(), R"({"sub":"u1"})");
  EXPECT_TRUE(p.keep_alive());
}

TEST(ResponseWireTest, CloseIsAnnounced) {
  const Parsed p = Parse(SerializeResponse(JsonResponse(400, "{}"), "r", false, true), false);
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(p.result_int(), 400u);
}

TEST(ResponseWireTest, HeadKeepsTheLengthWithoutTheBody) {
  const std::string body = R"({"keys":[]})";
  const std::string bytes = SerializeResponse(JsonResponse(200, body), "r", true, false);
  EXPECT_TRUE(bytes.ends_with("\r\n\r\n")) << bytes;
  const Parsed p = Parse(bytes, true);
  EXPECT_EQ(p[bhttp::field::content_length], std::to_string(body.size()));
  EXPECT_TRUE(p.body().empty());
}

TEST(ResponseWireTest, NoContentHasNeitherTypeNorLength) {
  const std::string bytes = SerializeResponse(EmptyResponse(204), "r", false, false);
  EXPECT_EQ(bytes.find("\r\nContent-Type:"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("\r\nContent-Length:"), std::string::npos) << bytes;  // RFC 9110 §8.6
  const Parsed p = Parse(bytes, false);
  EXPECT_EQ(p.result_int(), 204u);
}

TEST(ResponseWireTest, HeaderWithLineBreakIsDroppedNotSplit) {
  Response r = JsonResponse(200, "{}");
  r.With("Location", "/ok\r\nSet-Cookie: injected=1").With("Bad Name", "v").With("X-Good", "yes");
  const std::string bytes = SerializeResponse(r, "r", false, false);
  EXPECT_EQ(bytes.find("injected"), std::string::npos) << bytes;
  const Parsed p = Parse(bytes, false);
  EXPECT_EQ(p.count(bhttp::field::set_cookie), 0u);
  EXPECT_EQ(p.count(bhttp::field::location), 0u);
  EXPECT_EQ(p["X-Good"], "yes");
}

}  // namespace
}  // namespace jwtd::http
