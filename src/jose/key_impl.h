// Key::Impl — the parsed, ready-to-use OpenSSL state of one key, built once at import so the
// verify hot path does no parsing. Internal header.
//
// Immutable after construction (MakeAsymmetricKey / MakeSecretKey); safe to read from many
// threads. Per-thread mutable OpenSSL contexts live in jws_crypto.cc, keyed by id().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "jwtd/jose/key.h"
#include "openssl_handles.h"

namespace jwtd::jose {

// Key families, one per JWK "kty"/"crv" combination jose supports (RFC 7518 §6, RFC 8037 §2).
enum class KeyKind : std::uint8_t { kEc, kRsa, kOkp, kOct };

KeyKind KindOf(Alg alg);
// Digest name for the alg ("SHA256", ...); EdDSA has none (nullptr).
const char* DigestNameOf(Alg alg);
// Output length of the alg's hash (32/48/64); 0 for EdDSA.
std::size_t HashLengthOf(Alg alg);
// Curve name for EC/OKP algs ("P-256", "P-384", "Ed25519"); nullptr otherwise.
const char* CurveOf(Alg alg);
// ECDSA coordinate / scalar size in bytes (32 or 48, RFC 7518 §3.4); 0 for other algs.
std::size_t EcFieldSizeOf(Alg alg);

class Key::Impl {
 public:
  Impl(Alg alg, std::string kid);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Alg alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // Unique for the process lifetime, never reused: keys the per-thread context caches.
  std::uint64_t id() const { return id_; }
  bool has_private() const { return has_private_; }

  EVP_PKEY* pkey() const { return pkey_.get(); }
  const EVP_MD* md() const { return md_.get(); }
  // The HMAC context with the key set once; threads dup it (EVP_MAC_CTX_dup).
  const EVP_MAC_CTX* mac_template() const { return mac_template_.get(); }
  std::string_view secret() const { return secret_; }
  // Big-endian group order n of the ECDSA curve, EcFieldSizeOf(alg) bytes (RFC 7518 §3.4).
  const std::uint8_t* ec_order() const { return ec_order_.data(); }
  // RSA modulus length in bytes, which is also the exact signature length (RFC 8017 §8.2.2).
  std::size_t rsa_bytes() const { return rsa_bytes_; }

 private:
  friend Result<std::unique_ptr<Key>> MakeAsymmetricKey(Alg, ossl::EvpPkey, bool, std::string);
  friend Result<std::unique_ptr<Key>> MakeSecretKey(Alg, std::string_view, std::string);

  Alg alg_;
  std::string kid_;
  std::uint64_t id_;
  bool has_private_ = false;
  ossl::EvpPkey pkey_;
  ossl::EvpMd md_;
  ossl::EvpMacCtx mac_template_;
  std::string secret_;  // HMAC only; cleansed in ~Impl
  std::array<std::uint8_t, 48> ec_order_{};
  std::size_t rsa_bytes_ = 0;
};

// Builds a key around a parsed EVP_PKEY after checking that its type, curve and size fit `alg`
// (kBadKey, kWeakKey for RSA < 2048 bits, RFC 7518 §3.3). Empty kid: RFC 7638 thumbprint.
[[nodiscard]] Result<std::unique_ptr<Key>> MakeAsymmetricKey(Alg alg, ossl::EvpPkey pkey,
                                                             bool has_private, std::string kid);
// Builds an HMAC key; kWeakKey if shorter than the hash output (RFC 7518 §3.2).
[[nodiscard]] Result<std::unique_ptr<Key>> MakeSecretKey(Alg alg, std::string_view secret,
                                                         std::string kid);

// SHA-256 of `data` (32 raw bytes).
std::string Sha256(std::string_view data);

// The RFC 7638 §3.2 canonical JSON of the required public members (before hashing).
std::string ThumbprintInput(const Key::Impl& impl);

// An import error: kInvalidArgument with the given reason. Never pass key material in `msg`.
inline Error KeyError(Reason reason, std::string msg) {
  return Error(Code::kInvalidArgument, reason, std::move(msg));
}

}  // namespace jwtd::jose
