// jwtd::jose::Key — one signing or verification key, bound to exactly one algorithm and named
// by a kid (RFC 7517 §4.5). Verification picks a key by kid and requires the token's alg to
// equal the key's alg, so the token never chooses the algorithm (RFC 8725 §3.1).
//
// Keys are immutable after creation and safe to use from many threads at once. The OpenSSL
// state they hold (parsed keys, prepared HMAC schedules) is created once, at import.
// Private and secret material is zeroed when the key is destroyed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jwtd/jose/alg.h"
#include "jwtd/result.h"

namespace jwtd::jose {

class Key {
 public:
  class Impl;  // src/jose/key_impl.h
  explicit Key(std::unique_ptr<Impl> impl);
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  // Generates a fresh key: P-256/P-384/Ed25519/RSA-2048 or a random HMAC secret of the hash's
  // length. An empty kid becomes the RFC 7638 thumbprint (of the public key; for HMAC, random).
  static Result<std::unique_ptr<Key>> Generate(Alg alg, std::string kid = {});

  // Imports a JWK (RFC 7517 §4). The alg comes from the JWK's "alg" member or from
  // `alg_if_absent`; if both are given they must agree. The key type and curve must fit the alg
  // (kty EC/crv P-256 for ES256, OKP/Ed25519 for EdDSA, RSA >= 2048 bits for RS256/PS256,
  // oct with at least the hash length for HS*, RFC 7518 §3.2). Duplicate members, unknown
  // kty, a "use" other than "sig" and inconsistent key parts are refused (kBadKey/kWeakKey).
  // For EC, OKP and RSA keys an absent or empty "kid" becomes the RFC 7638 thumbprint. HMAC
  // (oct) keys need a kid: without one they are refused (kBadKey), since their thumbprint
  // would publish a hash of the secret. RSA public parts are checked deterministically (odd
  // n of 2048-16384 bits without a factor below 752, odd e in (2, 2^256): SP 800-89 §5.3.3).
  static Result<std::unique_ptr<Key>> FromJwk(std::string_view jwk_json,
                                              std::optional<Alg> alg_if_absent = std::nullopt);

  // Imports a PEM private key (PKCS#8 or traditional) or public key (SPKI). The key type must
  // fit `alg`. An empty kid becomes the RFC 7638 thumbprint.
  static Result<std::unique_ptr<Key>> FromPem(std::string_view pem, Alg alg, std::string kid = {});

  // An HMAC key from raw secret bytes; kWeakKey if shorter than the hash output (RFC 7518 §3.2),
  // kBadKey if `kid` is empty.
  static Result<std::unique_ptr<Key>> FromSecret(std::string_view secret, Alg alg, std::string kid);

  const std::string& kid() const;
  Alg alg() const;
  bool symmetric() const { return IsSymmetric(alg()); }
  // True when the key can sign (a private key, or any HMAC secret).
  bool can_sign() const;

  // The JWK text with "kty", "kid", "alg", "use":"sig" and the key parts; private parts only
  // when `include_private` (and for HMAC keys only then, as "k").
  std::string ToJwk(bool include_private) const;
  // PEM: PKCS#8 private key or SPKI public key. kInvalidArgument for HMAC keys, and for
  // include_private on a public-only key.
  Result<std::string> ToPem(bool include_private) const;
  // The public half as its own Key (same kid and alg); kInvalidArgument for HMAC keys.
  Result<std::unique_ptr<Key>> PublicKey() const;
  // RFC 7638 JWK thumbprint, base64url SHA-256 of the required public members.
  std::string Thumbprint() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace jwtd::jose
