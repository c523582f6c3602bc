#include "http/csrf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>

#include "jwtd/compare.h"
#include "jwtd/jose/base64url.h"

namespace jwtd::http {
namespace {

// Versioned prefixes: a CSRF MAC is never valid as anything else made with the same key.
constexpr std::string_view kTokenContext = "jwtd-csrf-v1:";
constexpr std::string_view kKeyContext = "jwtd-csrf-key-v1";
constexpr std::string_view kDpopNonceKeyContext = "jwtd-dpop-nonce-key-v1";

using Mac = std::array<unsigned char, 32>;

Mac HmacSha256(std::string_view key, std::string_view prefix, std::string_view data) {
  std::string input;
  input.reserve(prefix.size() + data.size());
  input.append(prefix).append(data);
  Mac out{};
  unsigned int len = 0;
  const unsigned char* mac =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), out.data(), &len);
  if (mac == nullptr || len != out.size()) std::abort();
  return out;
}

std::string_view AsChars(const Mac& mac) {
  return {reinterpret_cast<const char*>(mac.data()), mac.size()};
}

}  // namespace

std::string CsrfTokenFor(std::string_view key, std::string_view refresh_token) {
  return jose::Base64UrlEncode(AsChars(HmacSha256(key, kTokenContext, refresh_token)));
}

bool CsrfCheckPasses(std::string_view key, std::string_view refresh_cookie,
                     std::string_view csrf_cookie, std::string_view header_value) {
  if (refresh_cookie.empty() || csrf_cookie.empty() || header_value.empty()) return false;
  const std::string expected = CsrfTokenFor(key, refresh_cookie);
  const bool echoed = ConstantTimeEquals(header_value, csrf_cookie);
  const bool bound = ConstantTimeEquals(header_value, expected);
  return echoed && bound;
}

std::string DeriveCsrfKey(std::string_view secret) {
  return std::string(AsChars(HmacSha256(secret, kKeyContext, {})));
}

std::string DeriveDpopNonceKey(std::string_view csrf_key) {
  return std::string(AsChars(HmacSha256(csrf_key, kDpopNonceKeyContext, {})));
}

}  // namespace jwtd::http
