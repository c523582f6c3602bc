#include "refresh_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "jwtd/random.h"

namespace jwtd::auth {

NewRefreshToken GenerateRefreshToken() {
  NewRefreshToken out;
  out.token = RandomToken(32);  // 256 bits (api.md: >= 256 bits from a CSPRNG)
  out.hash = HashRefreshToken(out.token);
  return out;
}

std::string HashRefreshToken(std::string_view token) {
  std::string digest(32, '\0');
  unsigned int len = 0;
  // SHA-256 with the default provider cannot fail short of memory exhaustion; a wrong hash
  // would silently lock users out, so treat failure like a CSPRNG failure.
  if (EVP_Digest(token.data(), token.size(), reinterpret_cast<unsigned char*>(digest.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != digest.size()) {
    std::abort();
  }
  return digest;
}

}  // namespace jwtd::auth
