#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace jwtd::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == Lower(name)) return v;
  }
  return {};
}

std::vector<std::string> HttpResponse::Headers(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [k, v] : headers) {
    if (k == Lower(name)) values.push_back(v);
  }
  return values;
}

boost::json::value HttpResponse::Json() const { return boost::json::parse(body); }

std::string HttpResponse::SetCookieLine(std::string_view cookie) const {
  std::string prefix = std::string(cookie) + "=";
  for (const std::string& line : Headers("set-cookie")) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

std::string HttpResponse::SetCookieValue(std::string_view cookie) const {
  std::string line = SetCookieLine(cookie);
  if (line.empty()) return {};
  std::string value = line.substr(cookie.size() + 1);
  return value.substr(0, value.find(';'));
}

HttpResponse HttpClient::Send(const HttpRequest& request) const {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
  for (const auto& [k, v] : request.headers) req.set(k, v);
  if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
  if (!request.body.empty() || request.method == "POST") {
    req.body() = request.body;
    req.prepare_payload();
  }
  // A server may answer (413, 431) and close before it has read the whole request: the write
  // then fails with a broken pipe while the answer is already on its way, so read it anyway.
  beast::error_code write_error;
  http::write(stream, req, write_error);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code read_error;
  http::read(stream, buffer, parser, read_error);
  if (read_error) throw beast::system_error(write_error ? write_error : read_error);
  auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) out.headers.emplace_back(Lower(field.name_string()), field.value());
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

HttpResponse HttpClient::Get(const std::string& target, const std::string& bearer) const {
  HttpRequest req;
  req.target = target;
  if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
  return Send(req);
}

HttpResponse HttpClient::PostJson(const std::string& target, const boost::json::value& body,
                                  const std::string& bearer) const {
  HttpRequest req{.method = "POST",
                  .target = target,
                  .body = boost::json::serialize(body),
                  .content_type = "application/json",
                  .headers = {}};
  if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
  return Send(req);
}

HttpResponse HttpClient::PostForm(const std::string& target, const std::string& form) const {
  return Send({.method = "POST",
               .target = target,
               .body = form,
               .content_type = "application/x-www-form-urlencoded",
               .headers = {}});
}

HttpResponse HttpClient::Delete(const std::string& target, const std::string& bearer) const {
  HttpRequest req;
  req.method = "DELETE";
  req.target = target;
  if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
  return Send(req);
}

std::string HttpClient::Raw(const std::string& bytes, int timeout_ms) const {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  beast::error_code ec;
  asio::write(stream, asio::buffer(bytes), ec);
  std::string out;
  char buf[4096];
  for (;;) {
    std::size_t n = stream.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

}  // namespace jwtd::testing
