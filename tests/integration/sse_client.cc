#include "sse_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace jwtd::testing {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

SseClient::SseClient(std::uint16_t port, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  if (receive_buffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect failed");
  }
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("send failed");
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  std::size_t end = 0;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(RemainingMs(deadline))) throw std::runtime_error("no response head: " + raw_);
  }
  const std::string head = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  status_ = std::stoi(head.substr(9, 3));
  std::size_t line = head.find("\r\n");
  while (line != std::string::npos) {
    const std::size_t next = head.find("\r\n", line + 2);
    const std::string field =
        head.substr(line + 2, next == std::string::npos ? next : next - line - 2);
    const std::size_t colon = field.find(':');
    if (colon != std::string::npos) {
      std::string value = field.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers_.emplace_back(Lower(field.substr(0, colon)), value);
    }
    line = next;
  }
  chunked_ = Lower(Header("transfer-encoding")) == "chunked";
  if (!chunked_) {
    // A complete response: read its Content-Length worth.
    const std::string length = Header("content-length");
    const std::size_t want = length.empty() ? 0 : std::stoul(length);
    while (raw_.size() < want && ReadMore(RemainingMs(deadline))) {
    }
    plain_ = raw_.substr(0, want);
    text_ = plain_;
    raw_.clear();
    ended_ = true;
  }
}

SseClient::~SseClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string SseClient::Header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers_) {
    if (name == lower_name) return value;
  }
  return {};
}

bool SseClient::ReadMore(int timeout_ms) {
  if (closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char buffer[16384];
  const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  raw_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

bool SseClient::DecodeChunks() {
  while (!ended_) {
    const std::size_t eol = raw_.find("\r\n");
    if (eol == std::string::npos) return true;
    const std::size_t size = std::stoul(raw_.substr(0, eol), nullptr, 16);
    if (size == 0) {
      if (raw_.size() < eol + 4) return true;
      if (raw_.compare(eol, 4, "\r\n\r\n") != 0) return false;
      ended_ = true;
      raw_.erase(0, eol + 4);
      return true;
    }
    if (raw_.size() < eol + 2 + size + 2) return true;
    if (raw_.compare(eol + 2 + size, 2, "\r\n") != 0) return false;
    text_.append(raw_, eol + 2, size);
    raw_.erase(0, eol + 2 + size + 2);
  }
  return true;
}

std::optional<SseEvent> SseClient::TakeEvent() {
  const std::size_t end = text_.find("\n\n");
  if (end == std::string::npos) return std::nullopt;
  SseEvent e;
  std::size_t pos = 0;
  while (pos < end) {
    std::size_t eol = text_.find('\n', pos);
    if (eol == std::string::npos || eol > end) eol = end;
    const std::string line = text_.substr(pos, eol - pos);
    const std::size_t colon = line.find(": ");
    if (colon != std::string::npos) {
      const std::string name = line.substr(0, colon), value = line.substr(colon + 2);
      if (name == "id") e.id = value;
      if (name == "event") e.event = value;
      if (name == "data") e.data = value;
    }
    pos = eol + 1;
  }
  text_.erase(0, end + 2);
  return e;
}

std::optional<SseEvent> SseClient::Next(int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (chunked_ && !DecodeChunks()) throw std::runtime_error("bad chunk framing");
    if (auto e = TakeEvent()) return e;
    if (ended_ || !ReadMore(RemainingMs(deadline))) {
      if (chunked_ && !DecodeChunks()) throw std::runtime_error("bad chunk framing");
      return TakeEvent();
    }
  }
}

std::optional<SseEvent> SseClient::NextOf(const std::string& event, int timeout_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (auto e = Next(RemainingMs(deadline))) {
    if (e->event == event) return e;
  }
  return std::nullopt;
}

}  // namespace jwtd::testing
