// A small blocking HTTP/1.1 client over loopback for integration tests (Boost.Beast), one
// connection per request unless a Connection object is kept.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace jwtd::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  std::string Header(std::string_view name) const;  // first value, "" if absent
  std::vector<std::string> Headers(std::string_view name) const;
  boost::json::value Json() const;  // throws if the body is not JSON
  // The value of a cookie set by a Set-Cookie header, "" if none.
  std::string SetCookieValue(std::string_view cookie) const;
  std::string SetCookieLine(std::string_view cookie) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : port_(port) {}
  HttpResponse Send(const HttpRequest& request) const;

  HttpResponse Get(const std::string& target, const std::string& bearer = {}) const;
  HttpResponse PostJson(const std::string& target, const boost::json::value& body,
                        const std::string& bearer = {}) const;
  HttpResponse PostForm(const std::string& target, const std::string& form) const;
  HttpResponse Delete(const std::string& target, const std::string& bearer = {}) const;
  // Sends raw bytes and returns whatever comes back before the server closes (or the timeout).
  std::string Raw(const std::string& bytes, int timeout_ms = 5000) const;

  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
};

}  // namespace jwtd::testing
