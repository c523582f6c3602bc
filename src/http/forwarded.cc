#include "http/forwarded.h"

#include <arpa/inet.h>

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
// §5.3), trimmed but not checked.
std::vector<std::string_view> ForwardedFor(const Request& request) {
  std::vector<std::string_view> entries;
  for (const auto& h : request.headers) {
    if (h.name != "x-forwarded-for") continue;
    std::string_view rest = h.value;
    while (true) {
      const auto comma = rest.find(',');
      entries.push_back(TrimOws(rest.substr(0, comma)));
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
  // From the right: each entry was appended by the hop right of it, the rightmost by the peer.
  // `last_trusted`: the leftmost trusted proxy seen so far (at first the peer).
  std::string_view last_trusted = peer;
  const auto entries = ForwardedFor(request);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    // Not an address: nothing left of it can be attributed to a trusted proxy (RFC 7239 §7.4).
    if (!IsIpLiteral(*it)) break;
    if (!trusted_proxies.Allows(*it)) {
      origin.address = std::string(*it);
      return origin;
    }
    last_trusted = *it;
  }
  // An invalid entry, or only trusted proxies (then the leftmost, the closest to the client).
  origin.address = std::string(last_trusted);
  return origin;
}

}  // namespace jwtd::http
