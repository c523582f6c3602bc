// Claims::ClaimBit, inline for the claims parser's per-member hot path. Internal header.
#pragma once

#include <cstdint>
#include <string_view>

#include "jwtd/jose/claims.h"

namespace jwtd::jose {

// Runs once per claim of every token, so names are matched as small integers: the three bytes
// of the registered names (RFC 7519 §4.1) packed little-endian, and "scope".
inline std::uint16_t Claims::ClaimBit(std::string_view name) {
  constexpr auto pack = [](const char* s) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 16;
  };
  if (name.size() != 3) return name == "scope" ? kScopeBit : 0;
  switch (pack(name.data())) {
    case pack("iss"):
      return kIssBit;
    case pack("sub"):
      return kSubBit;
    case pack("jti"):
      return kJtiBit;
    case pack("sid"):
      return kSidBit;
    case pack("aud"):
      return kAudBit;
    case pack("exp"):
      return kExpBit;
    case pack("nbf"):
      return kNbfBit;
    case pack("iat"):
      return kIatBit;
    case pack("ver"):
      return kVerBit;
    default:
      return 0;
  }
}

}  // namespace jwtd::jose
