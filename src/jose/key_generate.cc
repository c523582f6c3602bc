// Fresh keys: P-256/P-384/Ed25519/RSA-2048 pairs, or random HMAC secrets of the hash length.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <vector>

#include "jwtd/jose/key.h"
#include "jwtd/random.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

ossl::EvpPkey GeneratePair(Alg alg) {
  switch (KindOf(alg)) {
    case KeyKind::kEc: {
      const char* group = alg == Alg::kES256 ? "P-256" : "P-384";
      return ossl::EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group));
    }
    case KeyKind::kRsa:
      return ossl::EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
    case KeyKind::kOkp:
      return ossl::EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    case KeyKind::kOct:
      break;
  }
  return nullptr;
}

}  // namespace

Result<std::unique_ptr<Key>> Key::Generate(Alg alg, std::string kid) {
  if (IsSymmetric(alg)) {
    // RFC 7518 §3.2: a secret as long as the hash output; the kid is random, not derived
    // from the secret, so publishing the kid says nothing about the key.
    std::vector<std::uint8_t> secret(HashLengthOf(alg));
    RandomBytes(secret);
    if (kid.empty()) kid = RandomToken(16);
    auto key = MakeSecretKey(
        alg, std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()),
        std::move(kid));
    OPENSSL_cleanse(secret.data(), secret.size());
    return key;
  }
  ossl::EvpPkey pkey = GeneratePair(alg);
  if (!pkey) {
    ERR_clear_error();
    return Error(Code::kInternal, Reason::kInternal, "key generation failed");
  }
  return MakeAsymmetricKey(alg, std::move(pkey), true, std::move(kid));
}

Result<std::unique_ptr<Key>> Key::FromSecret(std::string_view secret, Alg alg, std::string kid) {
  return MakeSecretKey(alg, secret, std::move(kid));
}

}  // namespace jwtd::jose
