// Test helpers for jwtd's TLS listener: a throw-away PKI made with the `openssl` CLI (a CA and
// server certificates with chosen serials, SAN IP:127.0.0.1) and a blocking Beast TLS client
// that verifies the server against that CA and reports the certificate it was shown.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "http_client.h"

namespace jwtd::testing {

// A CA and server certificates under `dir` (created by the caller, e.g. a TempDir).
class TestPki {
 public:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {
    std::ofstream(dir_ + "/san.cnf") << "subjectAltName=IP:127.0.0.1\n";
    Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
        "/CN=jwtd-test-ca -keyout " +
        dir_ + "/ca.key -out " + ca_file());
  }

  std::string ca_file() const { return dir_ + "/ca.pem"; }

  // Writes <name>.key (RSA 2048, mode 0600) and <name>.pem (leaf then CA: a chain) signed by the
  // CA with `serial`. RSA so that the test can offer non-ECDHE RSA ciphers the policy refuses.
  void Issue(const std::string& name, long serial) const {
    const std::string base = dir_ + "/" + name;
    Run("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + base + ".key -out " +
        base + ".csr");
    Run("openssl x509 -req -in " + base + ".csr -CA " + ca_file() + " -CAkey " + dir_ +
        "/ca.key -set_serial " + std::to_string(serial) + " -days 1 -extfile " + dir_ +
        "/san.cnf -out " + base + ".leaf");
    std::ofstream(base + ".pem") << std::ifstream(base + ".leaf").rdbuf()
                                 << std::ifstream(ca_file()).rdbuf();
    ::chmod((base + ".key").c_str(), 0600);
  }
  std::string cert(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

 private:
  static void Run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
      throw std::runtime_error("failed: " + command);
    }
  }
  std::string dir_;
};

struct TlsOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = 0;      // 0: the library's highest
  std::string cipher_list;  // TLS 1.2 and below; empty: OpenSSL's default
};

// One TLS connection to 127.0.0.1:port, verified against `ca_file` (name 127.0.0.1). Keeps the
// connection for several requests (keep-alive).
class TlsConnection {
 public:
  TlsConnection(std::uint16_t port, const std::string& ca_file, const TlsOptions& options = {})
      : context_(boost::asio::ssl::context::tls_client), stream_(io_, Configure(ca_file, options)) {
    namespace asio = boost::asio;
    boost::beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    boost::beast::get_lowest_layer(stream_).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    boost::beast::error_code ec;
    stream_.handshake(asio::ssl::stream_base::client, ec);
    if (ec) handshake_error_ = ec.message();
  }

  bool connected() const { return !handshake_error_; }
  // The handshake's failure ("" when it succeeded).
  std::string handshake_error() const { return handshake_error_.value_or(""); }

  // The serial number of the certificate the server presented; -1 without one.
  long PeerSerial() {
    X509* cert = SSL_get1_peer_certificate(stream_.native_handle());
    if (cert == nullptr) return -1;
    const long serial = ASN1_INTEGER_get(X509_get0_serialNumber(cert));
    X509_free(cert);
    return serial;
  }
  std::string Protocol() { return SSL_get_version(stream_.native_handle()); }

  HttpResponse Send(const HttpRequest& request) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{http::string_to_verb(request.method), request.target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
    if (!request.body.empty() || request.method == "POST") {
      req.body() = request.body;
      req.prepare_payload();
    }
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = res.body();
    return out;
  }

  HttpResponse Get(const std::string& target, const std::string& bearer = {}) {
    HttpRequest req;
    req.target = target;
    if (!bearer.empty()) req.headers.emplace_back("Authorization", "Bearer " + bearer);
    return Send(req);
  }
  HttpResponse PostJson(const std::string& target, const boost::json::value& body) {
    return Send({.method = "POST",
                 .target = target,
                 .body = boost::json::serialize(body),
                 .content_type = "application/json",
                 .headers = {}});
  }

 private:
  boost::asio::ssl::context& Configure(const std::string& ca_file, const TlsOptions& options) {
    SSL_CTX* ctx = context_.native_handle();
    SSL_CTX_set_min_proto_version(ctx, options.min_version);
    SSL_CTX_set_max_proto_version(ctx, options.max_version);
    if (!options.cipher_list.empty()) SSL_CTX_set_cipher_list(ctx, options.cipher_list.c_str());
    context_.load_verify_file(ca_file);
    return context_;
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<std::string> handshake_error_;
};

}  // namespace jwtd::testing
