#include "test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace jwtd::http::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

Reply FromBeast(bhttp::response<bhttp::string_body>& res) {
  Reply r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  r.body = std::move(res.body());
  return r;
}

}  // namespace

std::string Reply::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

std::vector<std::string> Reply::Headers(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (k == name) out.push_back(v);
  }
  return out;
}

boost::json::value Reply::Json() const {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

std::string Reply::SetCookieLine(std::string_view name) const {
  const std::string prefix = std::string(name) + "=";
  for (const auto& line : Headers("set-cookie")) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

std::string Reply::SetCookieValue(std::string_view name) const {
  const std::string line = SetCookieLine(name);
  if (line.empty()) return {};
  return line.substr(name.size() + 1, line.find(';') - name.size() - 1);
}

Reply Send(std::uint16_t port, std::string_view method, std::string_view target, std::string body,
           Headers headers) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {};
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (auto& [k, v] : headers) req.insert(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  // The server may answer (413, 431) and close before reading the whole request; the write then
  // fails while the answer is already here, so read it regardless.
  bhttp::write(stream, req, ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  if (method == "HEAD") parser.skip(true);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return {};
  return FromBeast(parser.get());
}

struct RawConnection::Impl {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
};

RawConnection::RawConnection(std::uint16_t port) : impl_(new Impl) {
  impl_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

RawConnection::~RawConnection() { delete impl_; }

void RawConnection::Write(const std::string& bytes) {
  beast::error_code ec;
  asio::write(impl_->socket, asio::buffer(bytes), ec);
}

Reply RawConnection::ReadReply(std::chrono::milliseconds timeout) {
  Reply out;
  bhttp::response_parser<bhttp::string_body> parser;
  bool done = false;
  bhttp::async_read(impl_->socket, impl_->buffer, parser, [&](beast::error_code ec, std::size_t) {
    done = true;
    if (!ec) out = FromBeast(parser.get());
  });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!done) {
    impl_->socket.cancel();
    impl_->ioc.restart();
    impl_->ioc.run();
  }
  return out;
}

bool RawConnection::WaitClosed(std::chrono::milliseconds timeout) {
  bool closed = false;
  std::function<void()> read_more;
  char scratch[1024];
  read_more = [&] {
    impl_->socket.async_read_some(asio::buffer(scratch), [&](beast::error_code ec, std::size_t) {
      if (ec) {
        closed = true;
        return;
      }
      read_more();
    });
  };
  read_more();
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!closed) {
    impl_->socket.cancel();
    impl_->ioc.restart();
    impl_->ioc.run();
    return false;
  }
  return true;
}

std::string RawExchange(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout, bool* closed) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {};
  asio::write(socket, asio::buffer(bytes), ec);
  std::string got;
  bool eof = false;
  char scratch[4096];
  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(scratch), [&](beast::error_code e, std::size_t n) {
      got.append(scratch, n);
      if (e) {
        eof = true;
        return;
      }
      read_more();
    });
  };
  read_more();
  ioc.run_for(timeout);
  if (closed != nullptr) *closed = eof;
  return got;
}

}  // namespace jwtd::http::testing
