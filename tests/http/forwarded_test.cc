#include "http/forwarded.h"

#include <gtest/gtest.h>

namespace jwtd::http {
namespace {

Request With(std::vector<HeaderField> headers) {
  Request r;
  r.headers = std::move(headers);
  return r;
}

AddressFilter Proxies(std::vector<std::string> cidrs) {
  auto filter = AddressFilter::Create(cidrs);
  EXPECT_TRUE(filter.ok());
  return std::move(*filter);
}

TEST(ForwardedTest, UntrustedPeerHeadersAreIgnored) {
  const auto none = Proxies({});
  const Request r = With({{"x-forwarded-for", "203.0.113.7"}, {"x-forwarded-proto", "https"}});
  const ClientOrigin o = ResolveClient(none, "198.51.100.1", false, r);
  EXPECT_EQ(o.address, "198.51.100.1");
  EXPECT_FALSE(o.secure);
  EXPECT_TRUE(ResolveClient(none, "198.51.100.1", true, r).secure);  // TLS to jwtd itself
}

TEST(ForwardedTest, RightmostUntrustedEntryIsTheClient) {
  const auto proxies = Proxies({"10.0.0.0/8", "::1/128"});
  auto client = [&](std::vector<HeaderField> h) {
    return ResolveClient(proxies, "10.1.2.3", false, With(std::move(h))).address;
  };
  EXPECT_EQ(client({{"x-forwarded-for", "203.0.113.7"}}), "203.0.113.7");
  EXPECT_EQ(client({{"x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.9.9.9"}}), "203.0.113.7");
  // Several fields are one list, in order (RFC 9110 §5.3).
  EXPECT_EQ(client({{"x-forwarded-for", "1.1.1.1"}, {"x-forwarded-for", "2001:db8::1 , ::1"}}),
            "2001:db8::1");
  // Only proxies: the leftmost one.
  EXPECT_EQ(client({{"x-forwarded-for", "10.0.0.1, 10.0.0.2"}}), "10.0.0.1");
  // Absent or empty: the peer.
  EXPECT_EQ(client({}), "10.1.2.3");
  EXPECT_EQ(client({{"x-forwarded-for", ""}}), "10.1.2.3");
}

// An entry that is not an IP address ends the walk from the right: what lies left of it cannot
// be attributed to a proxy we trust, so the client is the last trusted hop seen, the entry right
// of the bad one, or the TCP peer when the bad entry is the rightmost.
TEST(ForwardedTest, InvalidEntryStopsTheWalkAtTheLastTrustedHop) {
  const auto proxies = Proxies({"10.0.0.0/8", "::1/128"});
  auto client = [&](std::vector<HeaderField> h) {
    return ResolveClient(proxies, "10.1.2.3", false, With(std::move(h))).address;
  };
  // Garbage left of the client (a client's own forged prefix) does not hide the client.
  EXPECT_EQ(client({{"x-forwarded-for", "garbage, 203.0.113.5"}}), "203.0.113.5");
  EXPECT_EQ(client({{"x-forwarded-for", "unknown, 198.51.100.9, 203.0.113.5, 10.0.0.7"}}),
            "203.0.113.5");
  EXPECT_EQ(client({{"x-forwarded-for", "garbage"}, {"x-forwarded-for", "203.0.113.5"}}),
            "203.0.113.5");
  // The rightmost entry invalid: the peer.
  EXPECT_EQ(client({{"x-forwarded-for", "203.0.113.5, garbage"}}), "10.1.2.3");
  EXPECT_EQ(client({{"x-forwarded-for", "203.0.113.7:8080"}}), "10.1.2.3");
  EXPECT_EQ(client({{"x-forwarded-for", "203.0.113.7,,"}}), "10.1.2.3");
  EXPECT_EQ(client({{"x-forwarded-for", "203.0.113.7"}, {"x-forwarded-for", "unknown"}}),
            "10.1.2.3");
  // An invalid entry after trusted hops: the leftmost trusted hop right of it.
  EXPECT_EQ(client({{"x-forwarded-for", "203.0.113.5, garbage, 10.0.0.2, 10.0.0.1"}}), "10.0.0.2");
  EXPECT_EQ(client({{"x-forwarded-for", "garbage, ::1"}}), "::1");
}

TEST(ForwardedTest, ForwardedProtoFromTrustedProxy) {
  const auto proxies = Proxies({"127.0.0.1"});
  auto secure = [&](std::vector<HeaderField> h) {
    return ResolveClient(proxies, "127.0.0.1", false, With(std::move(h))).secure;
  };
  EXPECT_TRUE(secure({{"x-forwarded-proto", "https"}}));
  EXPECT_TRUE(secure({{"x-forwarded-proto", " HTTPS "}}));
  EXPECT_TRUE(secure({{"x-forwarded-proto", "http, https"}}));
  EXPECT_FALSE(secure({{"x-forwarded-proto", "https, http"}}));
  EXPECT_FALSE(secure({{"x-forwarded-proto", "http"}}));
  EXPECT_FALSE(secure({}));
}

}  // namespace
}  // namespace jwtd::http
