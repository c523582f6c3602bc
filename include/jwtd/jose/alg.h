// JWS algorithms (RFC 7518 §3, RFC 8037 §3.1) that jwtd implements. "none" is not one of them
// and never will be (RFC 8725 §3.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jwtd::jose {

enum class Alg : std::uint8_t {
  kEdDSA,  // Ed25519 (RFC 8037)
  kES256,  // ECDSA P-256 SHA-256, signature R||S (RFC 7518 §3.4)
  kES384,  // ECDSA P-384 SHA-384
  kRS256,  // RSASSA-PKCS1-v1_5 SHA-256
  kPS256,  // RSASSA-PSS SHA-256, MGF1 SHA-256, salt 32
  kHS256,  // HMAC SHA-256
  kHS384,  // HMAC SHA-384
  kHS512,  // HMAC SHA-512
};

inline constexpr Alg kAllAlgs[] = {Alg::kEdDSA, Alg::kES256, Alg::kES384, Alg::kRS256,
                                   Alg::kPS256, Alg::kHS256, Alg::kHS384, Alg::kHS512};

// The registered name ("ES256", ...).
std::string_view AlgName(Alg alg);
// The algorithm of a registered name; nullopt for "none" and anything unknown (case-sensitive).
std::optional<Alg> ParseAlg(std::string_view name);
// True for the HMAC algorithms, whose keys are secret and never published.
bool IsSymmetric(Alg alg);

}  // namespace jwtd::jose
