// Who the client is when jwtd runs behind a reverse proxy: the client address and whether the
// request came over HTTPS, from the TCP peer and — only when that peer is a trusted proxy
// (server.trusted_proxies) — from X-Forwarded-For and X-Forwarded-Proto.
//
// X-Forwarded-For is a list each proxy appends its peer to, so only its right end is written by
// proxies we trust; everything left of the first untrusted entry may be forged by the client.
// The client is therefore the rightmost entry that is not itself a trusted proxy (the rule of
// RFC 7239 §7.4 applied to the de-facto header), found by walking the entries from the right
// past trusted proxies. An entry that is not an IP address stops the walk: the client is then
// the last trusted hop seen (the entry right of it, or the peer when it is the rightmost), so a
// forged or garbled prefix neither hides the client nor makes the proxy the client. When every
// entry is a trusted proxy, the leftmost one. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "http/address_filter.h"
#include "http/request.h"

namespace jwtd::http {

struct ClientOrigin {
  std::string address;  // what rate limits, the audit trail and the access log use
  bool secure = false;  // TLS to jwtd, or a trusted proxy said X-Forwarded-Proto: https
};

// `peer`: the TCP peer's address; `tls`: the connection itself is TLS. `request` supplies the
// forwarded headers (lower-case names).
ClientOrigin ResolveClient(const AddressFilter& trusted_proxies, std::string_view peer, bool tls,
                           const Request& request);

}  // namespace jwtd::http
