// A small blocking HTTP/1.1 client for the in-process server tests (Beast), plus raw-socket
// helpers for requests no well-behaved client would send.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace jwtd::http::testing {

struct Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;

  std::string Header(std::string_view name) const;  // "" when absent
  std::vector<std::string> Headers(std::string_view name) const;
  boost::json::value Json() const;  // null when the body is not JSON
  // The value of cookie `name` from the Set-Cookie headers ("" when absent).
  std::string SetCookieValue(std::string_view name) const;
  std::string SetCookieLine(std::string_view name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One request on a fresh connection. status 0 when the connection failed.
Reply Send(std::uint16_t port, std::string_view method, std::string_view target,
           std::string body = {}, Headers headers = {});
inline Reply SendJson(std::uint16_t port, std::string_view method, std::string_view target,
                      std::string json, Headers headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return Send(port, method, target, std::move(json), std::move(headers));
}

// Writes `bytes` as they are and reads until the server closes or `timeout` passes.
// Returns what was read; *closed says whether the server closed the connection.
std::string RawExchange(std::uint16_t port, const std::string& bytes,
                        std::chrono::milliseconds timeout, bool* closed = nullptr);

// An open connection for keep-alive and slow-client tests.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  void Write(const std::string& bytes);
  // Reads one response (Beast parser); status 0 if the connection closed first.
  Reply ReadReply(std::chrono::milliseconds timeout);
  // Waits until the peer closes; false on timeout.
  bool WaitClosed(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace jwtd::http::testing
