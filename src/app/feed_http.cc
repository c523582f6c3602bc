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

}  // namespace

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
