// PEM import and export: PKCS#8 / traditional private keys, SPKI public keys (RFC 7468).
#include <openssl/err.h>
#include <openssl/pem.h>

#include "jwtd/jose/key.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

// Never prompt for a passphrase: encrypted PEM is refused rather than blocking on a tty.
int NoPassphrase(char*, int, int, void*) { return 0; }

ossl::Bio MemBio(std::string_view pem) {
  return ossl::Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

}  // namespace

Result<std::unique_ptr<Key>> Key::FromPem(std::string_view pem, Alg alg, std::string kid) {
  if (IsSymmetric(alg)) return KeyError(Reason::kBadKey, "HMAC keys have no PEM form");
  if (pem.size() > 1 << 20) return KeyError(Reason::kBadKey, "PEM too large");
  bool priv = pem.find("PRIVATE KEY-----") != std::string_view::npos;
  ossl::Bio bio = MemBio(pem);
  if (!bio) return Error(Code::kInternal, Reason::kInternal, "BIO_new_mem_buf failed");
  ossl::EvpPkey pkey(
      priv ? PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, NoPassphrase, nullptr, nullptr, nullptr)
           : PEM_read_bio_PUBKEY_ex(bio.get(), nullptr, NoPassphrase, nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!pkey) return KeyError(Reason::kBadKey, "PEM does not hold a readable key");
  return MakeAsymmetricKey(alg, std::move(pkey), priv, std::move(kid));
}

Result<std::string> Key::ToPem(bool include_private) const {
  if (symmetric()) return KeyError(Reason::kBadKey, "HMAC keys have no PEM form");
  if (include_private && !can_sign()) {
    return KeyError(Reason::kBadKey, "a public key has no private PEM");
  }
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  int ok = 0;
  if (bio) {
    ok = include_private ? PEM_write_bio_PKCS8PrivateKey(bio.get(), impl_->pkey(), nullptr, nullptr,
                                                         0, nullptr, nullptr)
                         : PEM_write_bio_PUBKEY(bio.get(), impl_->pkey());
  }
  if (ok != 1) {
    ERR_clear_error();
    return Error(Code::kInternal, Reason::kInternal, "PEM encoding failed");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string out(data, static_cast<std::size_t>(len));
  return out;
}

}  // namespace jwtd::jose
