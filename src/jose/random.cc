#include "jwtd/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "jwtd/jose/base64url.h"

namespace jwtd {

void RandomBytes(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    // Weak randomness would mint guessable tokens; there is no safe way to go on.
    std::fputs("jwtd: the system CSPRNG failed; aborting\n", stderr);
    std::abort();
  }
}

std::string RandomToken(std::size_t bytes) {
  std::vector<std::uint8_t> buf(bytes);
  RandomBytes(buf);
  std::string encoded =
      jose::Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(buf.data()), bytes));
  std::fill(buf.begin(), buf.end(), 0);
  return encoded;
}

}  // namespace jwtd
