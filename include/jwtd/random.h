// jwtd::random — the one CSPRNG wrapper (OpenSSL RAND_bytes, RFC 4086 quality).
// Thread-safe. Failure of the system CSPRNG is unrecoverable and aborts the process:
// continuing with weak randomness would mint guessable tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace jwtd {

void RandomBytes(std::span<std::uint8_t> out);
// `bytes` random bytes, base64url-encoded (no padding).
std::string RandomToken(std::size_t bytes);

}  // namespace jwtd
