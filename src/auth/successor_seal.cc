#include "successor_seal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <boost/json.hpp>
#include <memory>
#include <span>

#include "jwtd/random.h"

namespace jwtd::auth {
namespace {

constexpr unsigned char kVersion = 0x01;
constexpr std::size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;
constexpr std::string_view kInfo = "jwtd refresh successor v1";

struct KdfFree {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};

// Zeroes the derived key when it leaves scope.
struct Key {
  std::array<unsigned char, kKeyBytes> bytes{};
  ~Key() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

Error Internal(const char* what) { return Error(Code::kInternal, Reason::kInternal, what); }

unsigned char* U8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// RFC 5869 HKDF-SHA256 through OpenSSL 3's EVP_KDF.
Result<void> DeriveKey(std::string_view token, std::string_view session_id, Key* key) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Internal("HKDF unavailable");
  std::unique_ptr<EVP_KDF_CTX, KdfFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Internal("HKDF context");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(token.data()),
                                        token.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(session_id.data()),
                                        session_id.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kInfo.data()),
                                        kInfo.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx.get(), key->bytes.data(), key->bytes.size(), params) != 1) {
    return Internal("HKDF derive failed");
  }
  return Ok();
}

std::string Serialize(const SuccessorPair& pair) {
  boost::json::object o;
  o["a"] = pair.access_token;
  o["ae"] = pair.access_expires_at;
  o["r"] = pair.refresh_token;
  o["re"] = pair.refresh_expires_at;
  o["s"] = pair.scope;
  return boost::json::serialize(o);
}

Result<SuccessorPair> Parse(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  const auto* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return Internal("sealed successor is not a JSON object");
  const auto* a = o->if_contains("a");
  const auto* ae = o->if_contains("ae");
  const auto* r = o->if_contains("r");
  const auto* re = o->if_contains("re");
  const auto* s = o->if_contains("s");
  if (!a || !a->is_string() || !ae || !ae->is_int64() || !r || !r->is_string() || !re ||
      !re->is_int64() || !s || !s->is_string()) {
    return Internal("sealed successor lacks a field");
  }
  return SuccessorPair{std::string(a->get_string()), ae->get_int64(), std::string(r->get_string()),
                       re->get_int64(), std::string(s->get_string())};
}

// One AES-256-GCM pass; `encrypt` selects the direction. On decrypt, `tag` is checked.
Result<void> Gcm(bool encrypt, const Key& key, std::string_view nonce, std::string_view aad,
                 std::string_view in, std::string* out, std::string* tag) {
  std::unique_ptr<EVP_CIPHER_CTX, KdfFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Internal("cipher context");
  int len = 0;
  out->assign(in.size(), '\0');
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), U8(nonce),
                        encrypt ? 1 : 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), nullptr, &len, U8(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_CipherUpdate(ctx.get(), U8(*out), &len, U8(in), static_cast<int>(in.size())) != 1) {
    return Internal("AES-GCM failed");
  }
  if (!encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag->data()) != 1) {
    return Internal("AES-GCM tag");
  }
  int final_len = 0;
  if (EVP_CipherFinal_ex(ctx.get(), U8(*out) + len, &final_len) != 1) {
    return Error(Code::kInternal, Reason::kBadSignature, "sealed successor does not open");
  }
  if (encrypt) {
    tag->assign(kTagBytes, '\0');
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag->data()) != 1) {
      return Internal("AES-GCM tag");
    }
  }
  return Ok();
}

}  // namespace

Result<std::string> SealSuccessor(std::string_view presented_token, std::string_view session_id,
                                  const SuccessorPair& pair) {
  Key key;
  JWTD_RETURN_IF_ERROR(DeriveKey(presented_token, session_id, &key));
  std::string nonce(kNonceBytes, '\0');
  RandomBytes(std::span(U8(nonce), nonce.size()));
  std::string plain = Serialize(pair);
  std::string cipher, tag;
  auto sealed = Gcm(true, key, nonce, session_id, plain, &cipher, &tag);
  OPENSSL_cleanse(plain.data(), plain.size());
  if (!sealed.ok()) return sealed.error();
  std::string out(1, static_cast<char>(kVersion));
  out.append(nonce).append(cipher).append(tag);
  return out;
}

Result<SuccessorPair> OpenSuccessor(std::string_view presented_token, std::string_view session_id,
                                    std::string_view sealed) {
  if (sealed.size() < 1 + kNonceBytes + kTagBytes ||
      static_cast<unsigned char>(sealed[0]) != kVersion) {
    return Error(Code::kInternal, Reason::kBadSignature, "sealed successor malformed");
  }
  Key key;
  JWTD_RETURN_IF_ERROR(DeriveKey(presented_token, session_id, &key));
  const std::string_view nonce = sealed.substr(1, kNonceBytes);
  const std::string_view cipher =
      sealed.substr(1 + kNonceBytes, sealed.size() - 1 - kNonceBytes - kTagBytes);
  std::string tag(sealed.substr(sealed.size() - kTagBytes));
  std::string plain;
  JWTD_RETURN_IF_ERROR(Gcm(false, key, nonce, session_id, cipher, &plain, &tag));
  auto pair = Parse(plain);
  OPENSSL_cleanse(plain.data(), plain.size());
  return pair;
}

}  // namespace jwtd::auth
