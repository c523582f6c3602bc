#include "app/ssf_push_client.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <boost/url/parse.hpp>
#include <exception>
#include <memory>

namespace jwtd::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

struct Target {
  bool tls = false;
  std::string host, port, path;
};

bool ParseTarget(const std::string& url, Target* out) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->host().empty()) return false;
  out->tls = u->scheme() == "https";
  if (!out->tls && u->scheme() != "http") return false;
  out->host = u->host_address();
  if (!out->host.empty() && out->host.front() == '[')
    out->host = out->host.substr(1, out->host.size() - 2);
  out->port = u->has_port() ? std::string(u->port()) : (out->tls ? "443" : "80");
  out->path = std::string(u->encoded_target());
  if (out->path.empty()) out->path = "/";
  return true;
}

bhttp::request<bhttp::string_body> MakeRequest(const Target& t, std::string_view set) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, t.path, 11};
  const bool default_port = t.port == (t.tls ? "443" : "80");
  req.set(bhttp::field::host, default_port ? t.host : t.host + ":" + t.port);
  req.set(bhttp::field::user_agent, "jwtd-ssf");
  req.set(bhttp::field::content_type, "application/secevent+jwt");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::connection, "close");
  req.body() = std::string(set);
  req.prepare_payload();
  return req;
}

// Sends `req` on `stream` and reads the answer's status; throws boost::system::system_error.
template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, bhttp::request<bhttp::string_body>& req,
                               int* status) {
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  co_await bhttp::async_write(stream, req, asio::use_awaitable);
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
  *status = static_cast<int>(parser.get().result_int());
}

asio::awaitable<void> Deliver(asio::io_context& ioc, const Target& t,
                              bhttp::request<bhttp::string_body>& req,
                              std::chrono::milliseconds timeout, int* status) {
  tcp::resolver resolver(ioc);
  auto endpoints = co_await resolver.async_resolve(t.host, t.port, asio::use_awaitable);
  if (!t.tls) {
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_await Exchange(stream, req, status);
    co_return;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  stream.set_verify_callback(asio::ssl::host_name_verification(t.host));
  // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(t.host.c_str()));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_await Exchange(stream, req, status);
}

}  // namespace

PushResult PushSet(const std::string& endpoint_url, std::string_view set,
                   std::chrono::milliseconds timeout) {
  PushResult result;
  Target target;
  if (!ParseTarget(endpoint_url, &target)) {
    result.error = "endpoint_url is not an http(s) URL";
    return result;
  }
  auto req = MakeRequest(target, set);
  asio::io_context ioc;
  std::string error;
  bool finished = false;
  asio::co_spawn(ioc, Deliver(ioc, target, req, timeout, &result.status),
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
  if (!finished) {
    result.error = "timed out";
    return result;
  }
  if (!error.empty()) {
    result.error = error;
    return result;
  }
  if (result.status == 202) {
    result.outcome = PushOutcome::kAccepted;
  } else if (result.status == 400) {
    result.outcome = PushOutcome::kRejected;
    result.error = "receiver answered 400";
  } else {
    result.error = "receiver answered " + std::to_string(result.status);
  }
  return result;
}

}  // namespace jwtd::app
