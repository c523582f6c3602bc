#include "jws_crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>
#include <cstring>

namespace jwtd::jose {
namespace {

// One thread's ready-to-use OpenSSL state for one key. OpenSSL contexts are not thread-safe;
// keeping one per thread avoids both locks and per-call setup.
struct ThreadCtx {
  std::uint64_t key_id = 0;
  ossl::EvpMacCtx mac;    // HMAC: dup of the key's template
  ossl::EvpPkeyCtx pctx;  // ECDSA/RSA: EVP_PKEY_verify_init done, padding and md set
  ossl::EvpMdCtx mdctx;   // Ed25519: EVP_DigestVerifyInit done once
};

// Bounded (style.md: every cache is bounded); round-robin eviction. Key ids are never reused,
// so a stale slot of a destroyed key is never hit; its contexts are freed on eviction or at
// thread exit (they hold their own references / copies, never the Key).
constexpr std::size_t kSlots = 8;
struct ThreadCache {
  std::array<ThreadCtx, kSlots> slots;
  std::size_t next = 0;
};

bool PrepareVerifyPctx(const Key::Impl& key, ThreadCtx* t) {
  t->pctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey(), nullptr));
  EVP_PKEY_CTX* c = t->pctx.get();
  if (c == nullptr || EVP_PKEY_verify_init(c) != 1 ||
      EVP_PKEY_CTX_set_signature_md(c, key.md()) != 1) {
    return false;
  }
  if (key.alg() == Alg::kRS256) return EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1;
  if (key.alg() == Alg::kPS256) {
    // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash (32 bytes).
    return EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(c, 32) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(c, key.md()) == 1;
  }
  return true;
}

bool Prepare(const Key::Impl& key, ThreadCtx* t) {
  switch (KindOf(key.alg())) {
    case KeyKind::kOct:
      t->mac.reset(EVP_MAC_CTX_dup(key.mac_template()));
      return t->mac != nullptr;
    case KeyKind::kOkp:
      t->mdctx.reset(EVP_MD_CTX_new());
      return t->mdctx && EVP_DigestVerifyInit_ex(t->mdctx.get(), nullptr, nullptr, nullptr, nullptr,
                                                 key.pkey(), nullptr) == 1;
    case KeyKind::kEc:
    case KeyKind::kRsa:
      return PrepareVerifyPctx(key, t);
  }
  return false;
}

ThreadCtx* CtxFor(const Key::Impl& key) {
  thread_local ThreadCache cache;
  for (ThreadCtx& slot : cache.slots) {
    if (slot.key_id == key.id()) return &slot;
  }
  ThreadCtx& slot = cache.slots[cache.next++ % kSlots];
  slot = ThreadCtx{};
  if (!Prepare(key, &slot)) {
    ERR_clear_error();
    slot = ThreadCtx{};
    return nullptr;
  }
  slot.key_id = key.id();
  return &slot;
}

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// HMAC of `input` with the thread's copy of the key's prepared context.
bool Mac(ThreadCtx* t, std::string_view input, unsigned char* out, std::size_t* len) {
  // Re-initialising with a NULL key keeps the key schedule set once at import.
  return EVP_MAC_init(t->mac.get(), nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(t->mac.get(), U8(input), input.size()) == 1 &&
         EVP_MAC_final(t->mac.get(), out, len, EVP_MAX_MD_SIZE) == 1;
}

// RFC 7518 §3.4: R and S are fixed-width big-endian integers; both must be in [1, n-1]. This
// rejects the "psychic signature" r = s = 0 (CVE-2022-21449) before OpenSSL sees it.
bool ScalarInRange(const unsigned char* v, const std::uint8_t* order, std::size_t n) {
  unsigned char any = 0;
  for (std::size_t i = 0; i < n; ++i) any |= v[i];
  return any != 0 && std::memcmp(v, order, n) < 0;
}

// R||S to the DER ECDSA-Sig-Value OpenSSL verifies (RFC 3279 §2.2.3); returns its length.
int RawToDer(std::string_view sig, std::size_t n, unsigned char* der) {
  ossl::EcdsaSig es(ECDSA_SIG_new());
  ossl::Bn r(BN_bin2bn(U8(sig), static_cast<int>(n), nullptr));
  ossl::Bn s(BN_bin2bn(U8(sig) + n, static_cast<int>(n), nullptr));
  if (!es || !r || !s || ECDSA_SIG_set0(es.get(), r.get(), s.get()) != 1) return 0;
  (void)r.release();  // owned by es now
  (void)s.release();
  unsigned char* p = der;
  return i2d_ECDSA_SIG(es.get(), &p);
}

bool VerifyEcdsa(const Key::Impl& key, ThreadCtx* t, std::string_view input, std::string_view sig) {
  std::size_t n = EcFieldSizeOf(key.alg());
  if (sig.size() != 2 * n) return false;  // RFC 7518 §3.4: exactly 64 / 96 octets
  if (!ScalarInRange(U8(sig), key.ec_order(), n) ||
      !ScalarInRange(U8(sig) + n, key.ec_order(), n)) {
    return false;
  }
  unsigned char der[128];  // P-384 worst case: 3 + 2 * (2 + 49) = 105
  int der_len = RawToDer(sig, n, der);
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int hash_len = 0;
  return der_len > 0 &&
         EVP_Digest(input.data(), input.size(), hash, &hash_len, key.md(), nullptr) == 1 &&
         EVP_PKEY_verify(t->pctx.get(), der, static_cast<std::size_t>(der_len), hash, hash_len) ==
             1;
}

bool VerifyRsa(const Key::Impl& key, ThreadCtx* t, std::string_view input, std::string_view sig) {
  // RFC 8017 §8.2.2 step 1: the signature is exactly k octets long.
  if (sig.size() != key.rsa_bytes()) return false;
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int hash_len = 0;
  return EVP_Digest(input.data(), input.size(), hash, &hash_len, key.md(), nullptr) == 1 &&
         EVP_PKEY_verify(t->pctx.get(), U8(sig), sig.size(), hash, hash_len) == 1;
}

bool VerifyWith(const Key::Impl& key, ThreadCtx* t, std::string_view input, std::string_view sig) {
  switch (KindOf(key.alg())) {
    case KeyKind::kOct: {
      unsigned char mac[EVP_MAX_MD_SIZE];
      std::size_t len = 0;
      // RFC 7518 §3.2: the MAC comparison MUST be constant-time.
      return sig.size() == HashLengthOf(key.alg()) && Mac(t, input, mac, &len) &&
             len == sig.size() && CRYPTO_memcmp(mac, sig.data(), len) == 0;
    }
    case KeyKind::kOkp:
      // RFC 8037 §3.1: Ed25519 signatures are 64 octets.
      return sig.size() == 64 &&
             EVP_DigestVerify(t->mdctx.get(), U8(sig), sig.size(), U8(input), input.size()) == 1;
    case KeyKind::kEc:
      return VerifyEcdsa(key, t, input, sig);
    case KeyKind::kRsa:
      return VerifyRsa(key, t, input, sig);
  }
  return false;
}

// DER ECDSA-Sig-Value from OpenSSL to JOSE R||S, each left-padded to n bytes (RFC 7518 §3.4).
Result<std::string> DerToRaw(std::string_view der, std::size_t n) {
  const unsigned char* p = U8(der);
  ossl::EcdsaSig es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!es) return Error(Code::kInternal, Reason::kInternal, "bad DER from ECDSA sign");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  std::string out(2 * n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int ni = static_cast<int>(n);
  if (BN_bn2binpad(r, o, ni) != ni || BN_bn2binpad(s, o + n, ni) != ni) {
    return Error(Code::kInternal, Reason::kInternal, "ECDSA scalar too large");
  }
  return out;
}

Result<std::string> SignAsymmetric(const Key::Impl& key, std::string_view input) {
  ossl::EvpMdCtx md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  const char* md_name = DigestNameOf(key.alg());
  bool ok = md && EVP_DigestSignInit_ex(md.get(), &pctx, md_name, nullptr, nullptr, key.pkey(),
                                        nullptr) == 1;
  if (ok && key.alg() == Alg::kPS256) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, key.md()) == 1;
  }
  std::size_t len = 0;
  ok = ok && EVP_DigestSign(md.get(), nullptr, &len, U8(input), input.size()) == 1;
  std::string sig(len, '\0');
  ok = ok && EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, U8(input),
                            input.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return Error(Code::kInternal, Reason::kInternal, "signing failed");
  }
  sig.resize(len);
  if (KindOf(key.alg()) == KeyKind::kEc) return DerToRaw(sig, EcFieldSizeOf(key.alg()));
  return sig;
}

}  // namespace

Result<std::string> SignJws(const Key::Impl& key, std::string_view signing_input) {
  if (!key.has_private()) return Error(Code::kInvalidArgument, Reason::kBadKey, "key cannot sign");
  if (KindOf(key.alg()) != KeyKind::kOct) return SignAsymmetric(key, signing_input);
  ThreadCtx* t = CtxFor(key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (t == nullptr || !Mac(t, signing_input, mac, &len)) {
    ERR_clear_error();
    return Error(Code::kInternal, Reason::kInternal, "HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

bool VerifyJwsSignature(const Key::Impl& key, std::string_view signing_input,
                        std::string_view sig) {
  ThreadCtx* t = CtxFor(key);
  if (t == nullptr) return false;
  bool ok = VerifyWith(key, t, signing_input, sig);
  if (!ok) ERR_clear_error();  // failed verifies leave entries on the thread's error queue
  return ok;
}

}  // namespace jwtd::jose
