// The refresh grace window (docs/architecture.md "Refresh rotation"): when a refresh token is
// rotated, the successor pair it produced is kept sealed so that a replay of the same token inside
// the window gets the very same pair back, never a second live branch.
//
// Seal: AES-256-GCM under key = HKDF-SHA256(ikm = the presented refresh token, salt = the session
// id, info = "jwtd refresh successor v1") (RFC 5869). Only the holder of the old token can open
// it; the store keeps nothing usable in clear. A fresh random 96-bit nonce per seal (each key is
// used for one seal only anyway); the session id is bound as associated data.
// Layout: version byte 0x01 || nonce (12) || ciphertext || tag (16).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jwtd/result.h"

namespace jwtd::auth {

struct SuccessorPair {
  std::string access_token;
  std::int64_t access_expires_at = 0;
  std::string refresh_token;
  std::int64_t refresh_expires_at = 0;
  std::string scope;
};

// kInternal on an OpenSSL failure.
[[nodiscard]] Result<std::string> SealSuccessor(std::string_view presented_token,
                                                std::string_view session_id,
                                                const SuccessorPair& pair);
// kInternal (kBadSignature as the reason) if the seal does not open with this token and session:
// it was tampered with or belongs to another token.
[[nodiscard]] Result<SuccessorPair> OpenSuccessor(std::string_view presented_token,
                                                  std::string_view session_id,
                                                  std::string_view sealed);

}  // namespace jwtd::auth
