#include "http/forwarded.h"

#include <arpa/inet.h>

#include <optional>
#include <vector>

namespace jwtd::http {
namespace {

bool IsIpLiteral(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return false;
  const std::string s(text);
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Every entry of every X-Forwarded-For field, in order (several fields are one list, RFC 9110
// §5.3); nullopt when one entry is not an IP address.
std::optional<std::vector<std::string_view>> ForwardedFor(const Request& request) {
  std::vector<std::string_view> entries;
  for (const auto& h : request.headers) {
    if (h.name != "x-forwarded-for") continue;
    std::string_view rest = h.value;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view entry = TrimOws(rest.substr(0, comma));
      if (!IsIpLiteral(entry)) return std::nullopt;
      entries.push_back(entry);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return entries;
}

// The protocol the last proxy received: the last entry of the last X-Forwarded-Proto field.
bool ForwardedHttps(const Request& request) {
  std::string_view last;
  for (const auto& h : request.headers) {
    if (h.name == "x-forwarded-proto") last = h.value;
  }
  const auto comma = last.rfind(',');
  if (comma != std::string_view::npos) last.remove_prefix(comma + 1);
  return EqualsIgnoreCaseAscii(TrimOws(last), "https");
}

}  // namespace

ClientOrigin ResolveClient(const AddressFilter& trusted_proxies, std::string_view peer, bool tls,
                           const Request& request) {
  ClientOrigin origin{std::string(peer), tls};
  // Never trust the headers of an untrusted peer: any client can send them.
  if (!trusted_proxies.Allows(peer)) return origin;
  origin.secure = tls || ForwardedHttps(request);
  const auto entries = ForwardedFor(request);
  if (!entries || entries->empty()) return origin;
  for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
    if (!trusted_proxies.Allows(*it)) {
      origin.address = std::string(*it);
      return origin;
    }
  }
  // Every hop is a trusted proxy: the leftmost one is the closest to the client we know of.
  origin.address = std::string(entries->front());
  return origin;
}

}  // namespace jwtd::http
