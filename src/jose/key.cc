#include "jwtd/jose/key.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstring>

#include "jwtd/jose/base64url.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

// Group orders n (SEC 2 §2.4.2, §2.5.1), for the 0 < r, s < n check of RFC 7518 §3.4.
constexpr std::uint8_t kP256Order[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
constexpr std::uint8_t kP384Order[48] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
    0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73};

std::atomic<std::uint64_t> g_next_key_id{1};

// True if the EC key's curve is the one `alg` requires (RFC 7518 §3.4).
bool CurveMatches(EVP_PKEY* pkey, Alg alg) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) !=
      1) {
    return false;
  }
  std::string_view n(name, len);
  if (alg == Alg::kES256) return n == "prime256v1" || n == "P-256" || n == "secp256r1";
  return n == "secp384r1" || n == "P-384";
}

Result<void> CheckKeyFitsAlg(EVP_PKEY* pkey, Alg alg) {
  switch (KindOf(alg)) {
    case KeyKind::kEc:
      if (EVP_PKEY_is_a(pkey, "EC") != 1 || !CurveMatches(pkey, alg)) {
        return KeyError(Reason::kBadKey, "key is not on the curve the alg requires");
      }
      return Ok();
    case KeyKind::kOkp:
      if (EVP_PKEY_is_a(pkey, "ED25519") != 1) {
        return KeyError(Reason::kBadKey, "EdDSA needs an Ed25519 key");
      }
      return Ok();
    case KeyKind::kRsa:
      if (EVP_PKEY_is_a(pkey, "RSA") != 1) {
        return KeyError(Reason::kBadKey, "RS256/PS256 need an RSA key");
      }
      // RFC 7518 §3.3, §3.5: a key of size 2048 bits or larger MUST be used.
      if (EVP_PKEY_get_bits(pkey) < 2048) {
        return KeyError(Reason::kWeakKey, "RSA key shorter than 2048 bits");
      }
      return Ok();
    case KeyKind::kOct:
      break;
  }
  return KeyError(Reason::kBadKey, "HMAC algs take a secret, not a key pair");
}

}  // namespace

Key::Impl::Impl(Alg alg, std::string kid)
    : alg_(alg), kid_(std::move(kid)), id_(g_next_key_id.fetch_add(1)) {}

Key::Impl::~Impl() {
  if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

Result<std::unique_ptr<Key>> MakeAsymmetricKey(Alg alg, ossl::EvpPkey pkey, bool has_private,
                                               std::string kid) {
  if (!pkey) return KeyError(Reason::kBadKey, "no key");
  JWTD_RETURN_IF_ERROR(CheckKeyFitsAlg(pkey.get(), alg));
  auto impl = std::make_unique<Key::Impl>(alg, std::move(kid));
  impl->has_private_ = has_private;
  if (const char* md_name = DigestNameOf(alg)) {
    impl->md_.reset(EVP_MD_fetch(nullptr, md_name, nullptr));
    if (!impl->md_) return Error(Code::kInternal, Reason::kInternal, "EVP_MD_fetch failed");
  }
  if (alg == Alg::kES256) std::memcpy(impl->ec_order_.data(), kP256Order, 32);
  if (alg == Alg::kES384) std::memcpy(impl->ec_order_.data(), kP384Order, 48);
  if (KindOf(alg) == KeyKind::kRsa) {
    impl->rsa_bytes_ = static_cast<std::size_t>(EVP_PKEY_get_size(pkey.get()));
  }
  impl->pkey_ = std::move(pkey);
  if (impl->kid_.empty()) impl->kid_ = Base64UrlEncode(Sha256(ThumbprintInput(*impl)));
  return std::make_unique<Key>(std::move(impl));
}

Result<std::unique_ptr<Key>> MakeSecretKey(Alg alg, std::string_view secret, std::string kid) {
  if (!IsSymmetric(alg)) return KeyError(Reason::kBadKey, "a raw secret needs an HMAC alg");
  // RFC 7518 §3.2: a key of the same size as the hash output or larger MUST be used.
  if (secret.size() < HashLengthOf(alg)) {
    return KeyError(Reason::kWeakKey, "HMAC secret shorter than the hash output");
  }
  if (kid.empty()) return KeyError(Reason::kBadKey, "HMAC keys need an explicit kid");
  auto impl = std::make_unique<Key::Impl>(alg, std::move(kid));
  impl->has_private_ = true;
  impl->secret_.assign(secret);
  impl->md_.reset(EVP_MD_fetch(nullptr, DigestNameOf(alg), nullptr));
  ossl::EvpMac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!impl->md_ || !mac) return Error(Code::kInternal, Reason::kInternal, "HMAC fetch failed");
  impl->mac_template_.reset(EVP_MAC_CTX_new(mac.get()));
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                          const_cast<char*>(DigestNameOf(alg)), 0),
                         OSSL_PARAM_construct_end()};
  const auto* k = reinterpret_cast<const unsigned char*>(impl->secret_.data());
  if (!impl->mac_template_ ||
      EVP_MAC_init(impl->mac_template_.get(), k, impl->secret_.size(), params) != 1) {
    ERR_clear_error();
    return Error(Code::kInternal, Reason::kInternal, "HMAC init failed");
  }
  return std::make_unique<Key>(std::move(impl));
}

std::string Sha256(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

Key::Key(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Key::~Key() = default;

const std::string& Key::kid() const { return impl_->kid(); }
Alg Key::alg() const { return impl_->alg(); }
bool Key::can_sign() const { return impl_->has_private(); }

std::string Key::Thumbprint() const {
  // RFC 7638 §3: base64url(SHA-256(canonical JSON of the required members)).
  return Base64UrlEncode(Sha256(ThumbprintInput(*impl_)));
}

Result<std::unique_ptr<Key>> Key::PublicKey() const {
  if (symmetric()) return KeyError(Reason::kBadKey, "HMAC keys have no public half");
  // Round-trip through SPKI DER: the copy holds no private parts at all.
  unsigned char* der_out = nullptr;
  int len = i2d_PUBKEY(impl_->pkey(), &der_out);
  ossl::Bytes der(der_out);
  if (len <= 0) return Error(Code::kInternal, Reason::kInternal, "i2d_PUBKEY failed");
  const unsigned char* p = der.get();
  ossl::EvpPkey pub(d2i_PUBKEY(nullptr, &p, len));
  return MakeAsymmetricKey(alg(), std::move(pub), false, kid());
}

}  // namespace jwtd::jose
