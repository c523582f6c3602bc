// The HTTP client side of a verifier that follows another node (verifier.feed_url): the origin
// it talks to, one bounded GET (the revocation pages, the JWKS, /healthz) and the connection
// helper the revocation stream's follower shares (app/feed_follower.cc). Boost.Beast over plain
// TCP or TLS (verified against the system's trust store and the URL's host name, as
// app/ssf_push_client.cc).
//
// Thread-safety: HttpGet may run on many threads at once (each call has its own I/O context).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "app/feed_origin.h"
#include "jwtd/result.h"

namespace jwtd::app {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// GET origin.base + target with the origin's Authorization, everything (name lookup, connect,
// TLS, send, answer) within `timeout`, a body of at most `max_body` bytes. kUnavailable
// (kStoreUnavailable) with the reason when no answer came; any status is an answer.
Result<HttpAnswer> HttpGet(const FeedOrigin& origin, std::string_view target,
                           std::chrono::milliseconds timeout, std::size_t max_body);

namespace feed_http {

namespace asio = boost::asio;
namespace beast = boost::beast;

// Connects to `origin` (TLS when it says so) and co_awaits session(stream) with the connected
// stream (beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>); connecting must finish
// within `timeout`. Throws boost::system::system_error on failure.
template <class Session>
asio::awaitable<void> WithConnection(const FeedOrigin& origin, std::chrono::milliseconds timeout,
                                     Session session) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(origin.host, origin.port, asio::use_awaitable);
  if (!origin.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_await session(stream);
    co_return;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(executor, ctx);
  stream.set_verify_callback(asio::ssl::host_name_verification(origin.host));
  // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(origin.host.c_str()));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_await session(stream);
}

}  // namespace feed_http
}  // namespace jwtd::app
