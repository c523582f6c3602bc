// Message framing of requests (RFC 9112 §6.1, §6.3, §3.2), over raw sockets: a request whose
// body length the server and a proxy in front of it could read differently (request smuggling)
// gets one 400 invalid_request and the connection closes before any byte after the header is
// read as a request; so does an HTTP/1.1 request without exactly one Host field. A well-framed
// chunked request still works.
#include <boost/json.hpp>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

using std::chrono::seconds;

// A request line and header fields (each ending in CRLF), then the empty line and `body`.
std::string Request(const std::string& start, const std::string& fields, const std::string& body) {
  return start + "\r\n" + fields + "\r\n" + body;
}

const std::string kUser = R"({"username":"framed","password":"correct horse"})";

std::string Chunked(const std::string& body) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Exactly one response, a 400 invalid_request whose description contains `says`, then the end
// of the stream: nothing after the header was served as a request.
void ExpectRefusedAndClosed(std::uint16_t port, const std::string& bytes, const std::string& says) {
  bool closed = false;
  const std::string raw = RawExchange(port, bytes, seconds(3), &closed);
  EXPECT_EQ(raw.rfind("HTTP/1.1 400 ", 0), 0u) << bytes << "\n-> " << raw;
  EXPECT_EQ(Count(raw, "HTTP/1.1 "), 1u) << bytes << "\n-> " << raw;
  EXPECT_NE(raw.find(R"("error":"invalid_request")"), std::string::npos) << raw;
  EXPECT_NE(raw.find(says), std::string::npos) << bytes << "\n-> " << raw;
  EXPECT_NE(raw.find("Connection: close"), std::string::npos) << raw;
  EXPECT_TRUE(closed) << bytes;
}

TEST_F(ServerTest, SmuggledRequestBehindAnUnknownTransferCodingIsNeverServed) {
  // A proxy that honours "chunked, identity" would forward the GET as this POST's body; read as
  // a request without a body, the GET would be answered as a second request of the client.
  const std::string bytes = Request("POST /v1/login HTTP/1.1",
                                    "Host: x\r\nContent-Type: application/json\r\n"
                                    "Transfer-Encoding: chunked, identity\r\n",
                                    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectRefusedAndClosed(port(), bytes, "Transfer-Encoding");
  bool closed = false;
  const std::string raw = RawExchange(port(), bytes, seconds(3), &closed);
  EXPECT_EQ(raw.find("200 OK"), std::string::npos) << raw;
}

TEST_F(ServerTest, TransferCodingsOtherThanOneChunkedAre400AndClosed) {
  const std::string body = Chunked(kUser);
  for (const std::string& te :
       {std::string("Transfer-Encoding: chunked, identity\r\n"),
        std::string("Transfer-Encoding: gzip, chunked\r\n"),
        std::string("Transfer-Encoding: gzip\r\n"), std::string("Transfer-Encoding: identity\r\n"),
        std::string("Transfer-Encoding: \r\n"), std::string("Transfer-Encoding: chunked,\r\n"),
        std::string("Transfer-Encoding: chunked;q=1\r\n"),
        // Several fields are one list (RFC 9110 §5.3): "gzip, chunked".
        std::string("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
        std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")}) {
    ExpectRefusedAndClosed(port(),
                           Request("POST /v1/users HTTP/1.1",
                                   "Host: x\r\nContent-Type: application/json\r\n" + te, body),
                           "Transfer-Encoding");
  }
  EXPECT_EQ(PostJson("/v1/login", kUser).status, 401) << "no user was created by any of them";
}

TEST_F(ServerTest, TransferEncodingWithContentLengthIs400AndClosed) {
  const std::string body = Chunked(kUser);
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  for (const std::string& fields :
       {"Transfer-Encoding: chunked\r\n" + length, length + "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n" + length,
        length + "Transfer-Encoding: chunked, identity\r\n"}) {
    ExpectRefusedAndClosed(port(),
                           Request("POST /v1/users HTTP/1.1",
                                   "Host: x\r\nContent-Type: application/json\r\n" + fields, body),
                           "Transfer-Encoding");
  }
  EXPECT_EQ(PostJson("/v1/login", kUser).status, 401) << "no user was created by any of them";
}

TEST_F(ServerTest, TransferEncodingInHttp10Is400AndClosed) {
  ExpectRefusedAndClosed(port(),
                         Request("POST /v1/users HTTP/1.0",
                                 "Host: x\r\nContent-Type: application/json\r\n"
                                 "Transfer-Encoding: chunked\r\n",
                                 Chunked(kUser)),
                         "HTTP/1.0");
  EXPECT_EQ(PostJson("/v1/login", kUser).status, 401) << "no user was created";
}

TEST_F(ServerTest, Http11RequestNeedsExactlyOneHost) {
  ExpectRefusedAndClosed(port(), Request("GET /healthz HTTP/1.1", "", ""), "Host");
  ExpectRefusedAndClosed(port(), Request("GET /healthz HTTP/1.1", "Host: a\r\nHost: b\r\n", ""),
                         "Host");
  ExpectRefusedAndClosed(port(),
                         Request("POST /v1/users HTTP/1.1",
                                 "Content-Type: application/json\r\nContent-Length: " +
                                     std::to_string(kUser.size()) + "\r\n",
                                 kUser),
                         "Host");
  EXPECT_EQ(PostJson("/v1/login", kUser).status, 401) << "no user was created";
  // HTTP/1.0 has no Host requirement.
  const std::string old = RawExchange(port(), "GET /healthz HTTP/1.0\r\n\r\n", seconds(3));
  EXPECT_EQ(old.rfind("HTTP/1.1 200 ", 0), 0u) << old;
}

TEST_F(ServerTest, ChunkedRequestsStillWorkAndKeepTheConnection) {
  RawConnection c(port());
  c.Write(Request("POST /v1/users HTTP/1.1",
                  "Host: x\r\nContent-Type: application/json\r\nTransfer-Encoding:  Chunked \r\n",
                  Chunked(kUser)));
  const Reply created = c.ReadReply(seconds(5));
  EXPECT_EQ(created.status, 201) << created.body;
  c.Write(Request("POST /v1/login HTTP/1.1",
                  "Host: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                  Chunked(kUser)));
  const Reply login = c.ReadReply(seconds(5));
  EXPECT_EQ(login.status, 200) << login.body;
  EXPECT_TRUE(login.Json().as_object().contains("access_token"));
}

}  // namespace
}  // namespace jwtd::http::testing
