#include "app/feed_http.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <exception>

namespace jwtd::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

Error Unreachable(std::string message) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, std::move(message));
}

// Standard base64 (RFC 4648 §4) of the Basic credentials (RFC 7617 §2).
std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

std::string FeedOrigin::HostHeader() const {
  const bool default_port = port == (tls ? "443" : "80");
  const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? name : name + ":" + port;
}

Result<FeedOrigin> ParseFeedOrigin(const std::string& url, const std::string& client) {
  const auto bad = [](std::string why) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, std::move(why));
  };
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->host().empty()) return bad("verifier.feed_url: expected http(s)://host[:port]/");
  FeedOrigin o;
  o.tls = u->scheme() == "https";
  if (!o.tls && u->scheme() != "http") return bad("verifier.feed_url: the scheme is not http(s)");
  if (u->has_query() || u->has_fragment() || u->has_userinfo()) {
    return bad("verifier.feed_url: no user, query or fragment (credentials: verifier.feed_client)");
  }
  o.host = u->host_address();
  if (!o.host.empty() && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  o.port = u->has_port() ? std::string(u->port()) : (o.tls ? "443" : "80");
  o.base = std::string(u->encoded_path());
  while (!o.base.empty() && o.base.back() == '/') o.base.pop_back();
  const auto colon = client.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == client.size()) {
    return bad("verifier.feed_client: expected \"id:secret\" (a feed client of that node)");
  }
  o.authorization = "Basic " + Base64(client);
  return o;
}

Result<HttpAnswer> HttpGet(const FeedOrigin& origin, std::string_view target,
                           std::chrono::milliseconds timeout, std::size_t max_body) {
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, origin.base + std::string(target), 11};
  req.set(bhttp::field::host, origin.HostHeader());
  req.set(bhttp::field::user_agent, "jwtd-verifier");
  req.set(bhttp::field::authorization, origin.authorization);
  req.set(bhttp::field::connection, "close");
  HttpAnswer answer;
  auto exchange = [&](auto& stream) -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body);
    beast::get_lowest_layer(stream).expires_after(timeout);
    co_await bhttp::async_write(stream, req, asio::use_awaitable);
    co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
    answer.status = static_cast<int>(parser.get().result_int());
    answer.body = std::move(parser.get().body());
  };
  asio::io_context ioc;
  std::string error;
  bool finished = false;
  asio::co_spawn(ioc, feed_http::WithConnection(origin, timeout, exchange),
                 [&](std::exception_ptr e) {
                   finished = true;
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     error = ex.what();
                   }
                 });
  // The stream's deadline bounds connect, send and read; this bounds the name lookup too.
  ioc.run_for(timeout + std::chrono::milliseconds(100));
  if (!finished) return Unreachable("feed node: timed out");
  if (!error.empty()) return Unreachable("feed node: " + error);
  return answer;
}

}  // namespace jwtd::app
