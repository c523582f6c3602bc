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
#include <optional>

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
  req.body() = std::string(set);
  req.prepare_payload();
  return req;
}

}  // namespace

struct SsfPushClient::Connection {
  std::string url;
  Target target;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool open = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  asio::awaitable<void> Connect(std::chrono::milliseconds timeout) {
    tcp::resolver resolver(ioc);
    auto endpoints = co_await resolver.async_resolve(target.host, target.port, asio::use_awaitable);
    buffer.clear();
    if (!target.tls) {
      plain.emplace(ioc);
      plain->expires_after(timeout);
      co_await plain->async_connect(endpoints, asio::use_awaitable);
      co_return;
    }
    if (!tls_context) {
      tls_context.emplace(asio::ssl::context::tls_client);
      tls_context->set_default_verify_paths();
      tls_context->set_verify_mode(asio::ssl::verify_peer);
    }
    tls.emplace(ioc, *tls_context);
    tls->set_verify_callback(asio::ssl::host_name_verification(target.host));
    // SNI (SSL_set_tlsext_host_name is a macro with an old-style cast).
    SSL_ctrl(tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(target.host.c_str()));
    beast::get_lowest_layer(*tls).expires_after(timeout);
    co_await beast::get_lowest_layer(*tls).async_connect(endpoints, asio::use_awaitable);
    co_await tls->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  }

  template <class Stream>
  asio::awaitable<void> Exchange(Stream& stream, bhttp::request<bhttp::string_body>& req,
                                 int* status, bool* keep_alive) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    co_await bhttp::async_write(stream, req, asio::use_awaitable);
    co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
    *status = static_cast<int>(parser.get().result_int());
    *keep_alive = parser.get().keep_alive();
  }

  // Throws boost::system::system_error.
  asio::awaitable<void> Deliver(bhttp::request<bhttp::string_body>& req,
                                std::chrono::milliseconds timeout, int* status, bool* keep_alive) {
    if (!open) {
      co_await Connect(timeout);
      open = true;
    }
    lowest().expires_after(timeout);
    if (tls) {
      co_await Exchange(*tls, req, status, keep_alive);
    } else {
      co_await Exchange(*plain, req, status, keep_alive);
    }
  }

  void Drop() {
    // A TLS close_notify would cost a round trip to a receiver that may be gone; the socket is
    // simply closed.
    if (open) {
      boost::system::error_code ignored;
      lowest().socket().close(ignored);
    }
    plain.reset();
    tls.reset();
    open = false;
  }
};

namespace {

struct Attempt {
  bool finished = false;
  bool timed_out = false;
  bool keep_alive = false;
  std::string error;
};

}  // namespace

SsfPushClient::SsfPushClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}

SsfPushClient::~SsfPushClient() { Close(); }

void SsfPushClient::Close() {
  if (connection_) connection_->Drop();
}

PushResult SsfPushClient::Push(const std::string& endpoint_url, std::string_view set) {
  PushResult result;
  if (!connection_ || connection_->url != endpoint_url) {
    auto fresh = std::make_unique<Connection>();
    if (!ParseTarget(endpoint_url, &fresh->target)) {
      result.error = "endpoint_url is not an http(s) URL";
      return result;
    }
    fresh->url = endpoint_url;
    if (connection_) connection_->Drop();
    connection_ = std::move(fresh);
  }
  auto req = MakeRequest(connection_->target, set);
  auto attempt_once = [&]() {
    Attempt a;
    Connection& c = *connection_;
    c.ioc.restart();
    asio::co_spawn(c.ioc, c.Deliver(req, timeout_, &result.status, &a.keep_alive),
                   [&](std::exception_ptr e) {
                     a.finished = true;
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const boost::system::system_error& ex) {
                       a.timed_out = ex.code() == beast::error::timeout;
                       a.error = ex.what();
                     } catch (const std::exception& ex) {
                       a.error = ex.what();
                     }
                   });
    // The stream's deadline bounds connect, send and read; this bounds the name lookup too.
    c.ioc.run_for(timeout_ + std::chrono::milliseconds(100));
    if (!a.finished) {
      // Still resolving or stuck: the connection and everything pending on it go.
      a.timed_out = true;
      a.error = "timed out";
      const std::string url = c.url;
      const Target target = c.target;
      connection_ = std::make_unique<Connection>();
      connection_->url = url;
      connection_->target = target;
    }
    return a;
  };
  const bool reused = connection_->open;
  Attempt a = attempt_once();
  if (!a.error.empty() && reused && !a.timed_out) {
    // The receiver closed the idle connection (or reset it): once more on a new one.
    connection_->Drop();
    result.status = 0;
    a = attempt_once();
  }
  if (!a.error.empty() || !a.keep_alive) connection_->Drop();
  if (!a.error.empty()) {
    result.status = 0;
    result.error = a.error;
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
