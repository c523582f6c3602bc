// The signed double-submit CSRF token (http/csrf.h): known answers computed independently with
// `openssl dgst -sha256 -mac HMAC`, the binding to the refresh token and the key, and the check.
#include "http/csrf.h"

#include <gtest/gtest.h>

#include <string>

#include "http/cookies.h"
#include "jwtd/jose/base64url.h"

namespace jwtd::http {
namespace {

const std::string kKey(kCsrfKeyBytes, 'k');

// printf 'jwtd-csrf-v1:abc' | openssl dgst -sha256 -mac HMAC -macopt hexkey:6b6b...6b -binary
//   | basenc --base64url
TEST(CsrfTest, TokenIsTheHmacOfTheRefreshToken) {
  EXPECT_EQ(CsrfTokenFor(kKey, "abc"), "Ow7jUjVn18iTjPBnfTJO0wWTIeAXeHJPLaVuDjk76j8");
  EXPECT_EQ(CsrfTokenFor(kKey, "abc"), CsrfTokenFor(kKey, "abc"));  // deterministic
}

TEST(CsrfTest, TokenDependsOnTheRefreshTokenAndTheKey) {
  const std::string a = CsrfTokenFor(kKey, "refresh-a");
  EXPECT_NE(a, CsrfTokenFor(kKey, "refresh-b"));
  EXPECT_NE(a, CsrfTokenFor(std::string(kCsrfKeyBytes, 'j'), "refresh-a"));
  // The context prefix is part of the MAC: the plain HMAC of the token is not the CSRF token.
  EXPECT_NE(CsrfTokenFor(kKey, "abc"), CsrfTokenFor(kKey, "jwtd-csrf-v1:abc"));
}

TEST(CsrfTest, TokenIsCookieSafeBase64Url) {
  const std::string t = CsrfTokenFor(kKey, "GjA4TIJhtgis5ToPyP81zsWG3-o34kjLInXXjk12tiE");
  EXPECT_EQ(t.size(), 43u);  // 256 bits, unpadded
  std::string raw;
  EXPECT_TRUE(jose::Base64UrlDecode(t, &raw));
  EXPECT_EQ(raw.size(), 32u);
  const auto parsed = ParseCookieHeader(std::string(kHostCsrfCookie) + "=" + t);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].value, t);
}

TEST(CsrfTest, CheckNeedsHeaderEqualToCookieAndToTheMacOfTheRefreshCookie) {
  const std::string refresh = "victim-refresh";
  const std::string good = CsrfTokenFor(kKey, refresh);
  EXPECT_TRUE(CsrfCheckPasses(kKey, refresh, good, good));
  // A planted pair: cookie and header agree, but they are not the MAC of this refresh token.
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, "attacker", "attacker"));
  // Valid for another session's refresh token.
  const std::string other = CsrfTokenFor(kKey, "attacker-refresh");
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, other, other));
  // Made under another key (another deployment).
  const std::string foreign = CsrfTokenFor(std::string(kCsrfKeyBytes, 'j'), refresh);
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, foreign, foreign));
  // The header must still echo the cookie: a right MAC only in the header, or only in the cookie.
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, "other", good));
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, good, "other"));
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, good, good.substr(0, 42)));
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, good, good + "x"));
  // Empty values never pass, not even the MAC of an empty refresh token.
  const std::string of_empty = CsrfTokenFor(kKey, "");
  EXPECT_FALSE(CsrfCheckPasses(kKey, "", of_empty, of_empty));
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, "", good));
  EXPECT_FALSE(CsrfCheckPasses(kKey, refresh, good, ""));
}

// printf 'jwtd-csrf-key-v1' | openssl dgst -sha256 -mac HMAC -macopt key:0123...cdef
TEST(CsrfTest, DerivesTheKeyFromTheDeploymentSecret) {
  const std::string bus_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  const std::string key = DeriveCsrfKey(bus_key);
  ASSERT_EQ(key.size(), kCsrfKeyBytes);
  std::string hex;
  for (unsigned char c : key) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  EXPECT_EQ(hex, "5b519698fd30bf16af7b220e50eac350999e346fcd90f29c477510d3cf6497e6");
  EXPECT_EQ(DeriveCsrfKey(bus_key), key);  // every node of the store derives the same key
  EXPECT_NE(DeriveCsrfKey(std::string(64, '0')), key);
  EXPECT_NE(key, bus_key.substr(0, kCsrfKeyBytes));
}

}  // namespace
}  // namespace jwtd::http
