// JWK import and export (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2) and the RFC 7638 thumbprint.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdint>

#include "json_sax.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/json_text.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

namespace bj = boost::json;

// Holds decoded key material and wipes it when done.
struct Wiped {
  std::string bytes;
  Wiped() = default;
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
  }
};

// A string member, or nullopt if absent; kBadKey if present with another type.
Result<std::optional<std::string_view>> StringMember(const bj::object& o, std::string_view name) {
  const bj::value* v = o.if_contains(name);
  if (v == nullptr) return std::optional<std::string_view>();
  if (!v->is_string()) return KeyError(Reason::kBadKey, "JWK member is not a string");
  const bj::string& s = v->get_string();
  return std::optional<std::string_view>(std::string_view(s.data(), s.size()));
}

// Decodes a base64url member into *out. `exact` > 0 demands that many bytes (RFC 7518
// §6.2.1.2, §6.2.2.1); `minimal` demands no leading zero octet (RFC 7518 §6.3.1.1).
Result<bool> Base64Member(const bj::object& o, std::string_view name, bool required,
                          std::size_t exact, bool minimal, Wiped* out) {
  auto s = StringMember(o, name);
  if (!s.ok()) return s.error();
  if (!s->has_value()) {
    if (required) return KeyError(Reason::kBadKey, "JWK lacks a required member");
    return false;
  }
  if (!Base64UrlDecode(**s, &out->bytes) || out->bytes.empty() ||
      (exact != 0 && out->bytes.size() != exact) || (minimal && out->bytes.front() == '\0')) {
    return KeyError(Reason::kBadKey, "JWK key part is not a strict base64url value of its size");
  }
  return true;
}

Result<Alg> ResolveAlg(const bj::object& o, std::optional<Alg> alg_if_absent) {
  auto alg_name = StringMember(o, "alg");
  if (!alg_name.ok()) return alg_name.error();
  if (!alg_name->has_value()) {
    if (!alg_if_absent) return KeyError(Reason::kBadKey, "JWK has no alg and none was given");
    return *alg_if_absent;
  }
  std::optional<Alg> alg = ParseAlg(**alg_name);
  if (!alg) return KeyError(Reason::kUnsupportedAlg, "JWK alg is unknown or unsupported");
  if (alg_if_absent && *alg_if_absent != *alg) {
    return KeyError(Reason::kBadKey, "JWK alg differs from the expected alg");
  }
  return *alg;
}

Result<void> CheckUse(const bj::object& o) {
  auto use = StringMember(o, "use");
  if (!use.ok()) return use.error();
  // RFC 7517 §4.2: jose keys only sign.
  if (use->has_value() && **use != "sig") return KeyError(Reason::kBadKey, "JWK use is not sig");
  if (const bj::value* ops = o.if_contains("key_ops")) {
    if (!ops->is_array()) return KeyError(Reason::kBadKey, "JWK key_ops is not an array");
    for (const bj::value& op : ops->get_array()) {
      if (!op.is_string() || (op.get_string() != "sign" && op.get_string() != "verify")) {
        return KeyError(Reason::kBadKey, "JWK key_ops allows more than sign/verify");
      }
    }
  }
  return Ok();
}

std::string_view KtyOf(KeyKind kind) {
  switch (kind) {
    case KeyKind::kEc:
      return "EC";
    case KeyKind::kRsa:
      return "RSA";
    case KeyKind::kOkp:
      return "OKP";
    case KeyKind::kOct:
      return "oct";
  }
  return "";
}

// EVP_PKEY from OSSL_PARAMs, then a consistency check: private parts must match the public
// ones, public points must be valid (RFC 7518 §6.2, §6.3). `public_check` false skips
// OpenSSL's check of a public key (for RSA, whose caller checks it deterministically).
Result<ossl::EvpPkey> FromParams(const char* type, OSSL_PARAM_BLD* bld, bool priv,
                                 bool public_check = true) {
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld));
  ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    ERR_clear_error();
    return KeyError(Reason::kBadKey, "JWK key parts are invalid");
  }
  ossl::EvpPkey pkey(raw);
  if (!priv && !public_check) return pkey;
  ossl::EvpPkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  int ok = check
               ? (priv ? EVP_PKEY_pairwise_check(check.get()) : EVP_PKEY_public_check(check.get()))
               : 0;
  if (ok != 1) {
    ERR_clear_error();
    return KeyError(Reason::kBadKey, "JWK key parts are inconsistent");
  }
  return pkey;
}

// OSSL_PARAM_BLD keeps pointers to pushed BIGNUMs until OSSL_PARAM_BLD_to_param, so the
// builder owns them for its whole life.
struct ParamBuilder {
  ossl::ParamBld bld{OSSL_PARAM_BLD_new()};
  std::vector<ossl::Bn> bns;

  bool PushBn(const char* name, const std::string& bytes) {
    ossl::Bn bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr));
    if (!bld || !bn || OSSL_PARAM_BLD_push_BN(bld.get(), name, bn.get()) != 1) return false;
    bns.push_back(std::move(bn));
    return true;
  }
};

Result<ossl::EvpPkey> EcFromJwk(const bj::object& o, Alg alg, bool* priv) {
  auto crv = StringMember(o, "crv");
  if (!crv.ok()) return crv.error();
  if (!crv->has_value() || **crv != CurveOf(alg)) {
    return KeyError(Reason::kBadKey, "JWK crv does not fit the alg");
  }
  std::size_t n = EcFieldSizeOf(alg);
  Wiped x, y, d;
  for (auto r : {Base64Member(o, "x", true, n, false, &x), Base64Member(o, "y", true, n, false, &y),
                 Base64Member(o, "d", false, n, false, &d)}) {
    if (!r.ok()) return r.error();
  }
  *priv = !d.bytes.empty();
  std::string point = "\x04" + x.bytes + y.bytes;  // SEC 1 §2.3.3 uncompressed point
  ParamBuilder b;
  bool ok = b.bld &&
            OSSL_PARAM_BLD_push_utf8_string(b.bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, CurveOf(alg),
                                            0) == 1 &&
            OSSL_PARAM_BLD_push_octet_string(b.bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) == 1 &&
            (!*priv || b.PushBn(OSSL_PKEY_PARAM_PRIV_KEY, d.bytes));
  if (!ok) return Error(Code::kInternal, Reason::kInternal, "OSSL_PARAM_BLD failed");
  return FromParams("EC", b.bld.get(), *priv);
}

// The odd primes below 752, for the trial division of SP 800-89 §5.3.3.
constexpr auto kSmallPrimes = [] {
  std::array<std::uint16_t, 132> primes{};
  std::size_t n = 0;
  for (std::uint16_t c = 3; c < 752; c += 2) {
    bool prime = true;
    for (std::uint16_t d = 3; d * d <= c; d += 2) prime = prime && c % d != 0;
    if (prime) primes[n++] = c;
  }
  return primes;
}();
static_assert(kSmallPrimes.back() == 751);

// RFC 7518 §3.3 (>= 2048 bits) and the partial public-key validation of SP 800-89 §5.3.3
// (odd n without a prime factor below 752; odd e with 2 < e < 2^256). Deterministic on
// purpose: OpenSSL's public check (SP 800-56B §6.4.2.1) draws random Miller-Rabin bases, so
// a malformed modulus imported only sometimes
// (fuzz/regressions/jwk_import_fuzz/rsa_modulus_nondeterministic.json). A wrong modulus can
// only make signatures fail to verify; it cannot make a forged one verify.
Result<void> CheckRsaPublic(const BIGNUM* n, const BIGNUM* e) {
  int bits = BN_num_bits(n);
  if (bits < 2048) return KeyError(Reason::kWeakKey, "RSA key under 2048 bits");
  // OpenSSL refuses larger moduli at verification (OPENSSL_RSA_MAX_MODULUS_BITS).
  if (bits > 16384) return KeyError(Reason::kBadKey, "RSA modulus over 16384 bits");
  if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(e) > 256) {
    return KeyError(Reason::kBadKey, "RSA exponent is not odd and in (2, 2^256)");
  }
  if (!BN_is_odd(n)) return KeyError(Reason::kBadKey, "RSA modulus is even");
  for (std::uint16_t p : kSmallPrimes) {
    if (BN_mod_word(n, p) == 0) return KeyError(Reason::kBadKey, "RSA modulus has a small factor");
  }
  return Ok();
}

Result<ossl::EvpPkey> RsaFromJwk(const bj::object& o, bool* priv) {
  // RFC 7518 §6.3.2: with d, the CRT members must all be there; "oth" is not supported.
  static constexpr std::pair<const char*, const char*> kPrivate[] = {
      {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
  if (o.contains("oth")) return KeyError(Reason::kBadKey, "multi-prime RSA is not supported");
  Wiped n, e;
  for (auto r :
       {Base64Member(o, "n", true, 0, true, &n), Base64Member(o, "e", true, 0, true, &e)}) {
    if (!r.ok()) return r.error();
  }
  *priv = o.contains("d");
  ParamBuilder b;
  if (!b.PushBn(OSSL_PKEY_PARAM_RSA_N, n.bytes) || !b.PushBn(OSSL_PKEY_PARAM_RSA_E, e.bytes)) {
    return Error(Code::kInternal, Reason::kInternal, "OSSL_PARAM_BLD failed");
  }
  JWTD_RETURN_IF_ERROR(CheckRsaPublic(b.bns[0].get(), b.bns[1].get()));
  for (const auto& [member, param] : kPrivate) {
    if (!*priv) break;
    Wiped part;
    auto r = Base64Member(o, member, true, 0, false, &part);
    if (!r.ok()) return r.error();
    if (!b.PushBn(param, part.bytes)) {
      return Error(Code::kInternal, Reason::kInternal, "OSSL_PARAM_BLD failed");
    }
  }
  // A private key still gets OpenSSL's pairwise check (n = p*q, d*e = 1, CRT parts).
  return FromParams("RSA", b.bld.get(), *priv, /*public_check=*/false);
}

Result<ossl::EvpPkey> OkpFromJwk(const bj::object& o, bool* priv) {
  auto crv = StringMember(o, "crv");
  if (!crv.ok()) return crv.error();
  if (!crv->has_value() || **crv != "Ed25519") return KeyError(Reason::kBadKey, "crv not Ed25519");
  Wiped x, d;
  for (auto r :
       {Base64Member(o, "x", true, 32, false, &x), Base64Member(o, "d", false, 32, false, &d)}) {
    if (!r.ok()) return r.error();
  }
  *priv = !d.bytes.empty();
  const auto* xb = reinterpret_cast<const unsigned char*>(x.bytes.data());
  const auto* db = reinterpret_cast<const unsigned char*>(d.bytes.data());
  ossl::EvpPkey pkey(*priv ? EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, db, 32)
                           : EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, xb, 32));
  if (!pkey) {
    ERR_clear_error();
    return KeyError(Reason::kBadKey, "JWK Ed25519 key is invalid");
  }
  unsigned char derived[32];
  std::size_t len = sizeof(derived);
  // RFC 8037 §2: x must be the public key of d.
  if (*priv && (EVP_PKEY_get_raw_public_key(pkey.get(), derived, &len) != 1 || len != 32 ||
                CRYPTO_memcmp(derived, xb, 32) != 0)) {
    return KeyError(Reason::kBadKey, "JWK x is not the public key of d");
  }
  return pkey;
}

Result<std::unique_ptr<Key>> KeyFromObject(const bj::object& o, std::optional<Alg> alg_if_absent) {
  auto alg = ResolveAlg(o, alg_if_absent);
  if (!alg.ok()) return alg.error();
  JWTD_RETURN_IF_ERROR(CheckUse(o));
  auto kty = StringMember(o, "kty");
  auto kid = StringMember(o, "kid");
  if (!kty.ok()) return kty.error();
  if (!kid.ok()) return kid.error();
  KeyKind kind = KindOf(*alg);
  if (!kty->has_value() || **kty != KtyOf(kind)) {
    return KeyError(Reason::kBadKey, "JWK kty does not fit the alg");
  }
  std::string kid_str(kid->value_or(""));
  if (kind == KeyKind::kOct) {
    Wiped k;
    auto r = Base64Member(o, "k", true, 0, false, &k);
    if (!r.ok()) return r.error();
    return MakeSecretKey(*alg, k.bytes, std::move(kid_str));
  }
  bool priv = false;
  Result<ossl::EvpPkey> pkey = kind == KeyKind::kEc    ? EcFromJwk(o, *alg, &priv)
                               : kind == KeyKind::kRsa ? RsaFromJwk(o, &priv)
                                                       : OkpFromJwk(o, &priv);
  if (!pkey.ok()) return pkey.error();
  return MakeAsymmetricKey(*alg, std::move(*pkey), priv, std::move(kid_str));
}

// --- export ---------------------------------------------------------------------------------

struct Member {
  const char* name;
  std::string value;  // the string value, unquoted
  ~Member() { OPENSSL_cleanse(value.data(), value.size()); }
};

// Big-endian bytes of a BIGNUM parameter, base64url-encoded; `pad` > 0 left-pads (RFC 7518
// §6.2.1.2 fixed-size coordinates), 0 gives the minimal encoding (§6.3.1.1).
std::string BnParam(EVP_PKEY* pkey, const char* name, int pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) {
    ERR_clear_error();
    return {};
  }
  ossl::Bn bn(raw);
  Wiped bytes;
  bytes.bytes.resize(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn.get())));
  BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.bytes.data()),
               static_cast<int>(bytes.bytes.size()));
  return Base64UrlEncode(bytes.bytes);
}

std::string RawOkp(EVP_PKEY* pkey, bool priv) {
  Wiped bytes;
  bytes.bytes.resize(32);
  std::size_t len = 32;
  auto* p = reinterpret_cast<unsigned char*>(bytes.bytes.data());
  int ok = priv ? EVP_PKEY_get_raw_private_key(pkey, p, &len)
                : EVP_PKEY_get_raw_public_key(pkey, p, &len);
  if (ok != 1 || len != 32) return {};
  return Base64UrlEncode(bytes.bytes);
}

// Required public members in RFC 7638 §3.2 order, kty left out (it always sorts second).
std::vector<Member> PublicMembers(const Key::Impl& k) {
  std::vector<Member> m;
  EVP_PKEY* p = k.pkey();
  int n = static_cast<int>(EcFieldSizeOf(k.alg()));
  switch (KindOf(k.alg())) {
    case KeyKind::kEc:
      m.push_back({"crv", CurveOf(k.alg())});
      m.push_back({"x", BnParam(p, OSSL_PKEY_PARAM_EC_PUB_X, n)});
      m.push_back({"y", BnParam(p, OSSL_PKEY_PARAM_EC_PUB_Y, n)});
      break;
    case KeyKind::kRsa:
      m.push_back({"e", BnParam(p, OSSL_PKEY_PARAM_RSA_E, 0)});
      m.push_back({"n", BnParam(p, OSSL_PKEY_PARAM_RSA_N, 0)});
      break;
    case KeyKind::kOkp:
      m.push_back({"crv", "Ed25519"});
      m.push_back({"x", RawOkp(p, false)});
      break;
    case KeyKind::kOct:
      m.push_back({"k", Base64UrlEncode(k.secret())});
      break;
  }
  return m;
}

std::vector<Member> PrivateMembers(const Key::Impl& k) {
  std::vector<Member> m;
  EVP_PKEY* p = k.pkey();
  switch (KindOf(k.alg())) {
    case KeyKind::kEc:
      m.push_back(
          {"d", BnParam(p, OSSL_PKEY_PARAM_PRIV_KEY, static_cast<int>(EcFieldSizeOf(k.alg())))});
      break;
    case KeyKind::kRsa:
      m.push_back({"d", BnParam(p, OSSL_PKEY_PARAM_RSA_D, 0)});
      m.push_back({"p", BnParam(p, OSSL_PKEY_PARAM_RSA_FACTOR1, 0)});
      m.push_back({"q", BnParam(p, OSSL_PKEY_PARAM_RSA_FACTOR2, 0)});
      m.push_back({"dp", BnParam(p, OSSL_PKEY_PARAM_RSA_EXPONENT1, 0)});
      m.push_back({"dq", BnParam(p, OSSL_PKEY_PARAM_RSA_EXPONENT2, 0)});
      m.push_back({"qi", BnParam(p, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0)});
      break;
    case KeyKind::kOkp:
      m.push_back({"d", RawOkp(p, true)});
      break;
    case KeyKind::kOct:
      m.push_back({"k", Base64UrlEncode(k.secret())});
      break;
  }
  return m;
}

void AppendMember(std::string_view name, std::string_view value, std::string* out) {
  if (out->size() > 1) out->push_back(',');
  json::AppendQuoted(name, out);
  out->push_back(':');
  json::AppendQuoted(value, out);
}

}  // namespace

std::string ThumbprintInput(const Key::Impl& impl) {
  std::vector<Member> members = PublicMembers(impl);
  std::string out = "{";
  for (std::size_t i = 0; i < members.size(); ++i) {
    AppendMember(members[i].name, members[i].value, &out);
    if (i == 0) AppendMember("kty", KtyOf(KindOf(impl.alg())), &out);
  }
  out.push_back('}');
  return out;
}

std::string Key::ToJwk(bool include_private) const {
  const Impl& k = *impl_;
  std::string out = "{";
  AppendMember("kty", KtyOf(KindOf(k.alg())), &out);
  AppendMember("kid", k.kid(), &out);
  AppendMember("use", "sig", &out);
  AppendMember("alg", AlgName(k.alg()), &out);
  if (!symmetric()) {
    for (const Member& m : PublicMembers(k)) AppendMember(m.name, m.value, &out);
  }
  if (include_private && k.has_private()) {
    for (const Member& m : PrivateMembers(k)) AppendMember(m.name, m.value, &out);
  }
  out.push_back('}');
  return out;
}

Result<std::unique_ptr<Key>> Key::FromJwk(std::string_view jwk_json,
                                          std::optional<Alg> alg_if_absent) {
  json::AnySink sink;
  // Duplicate members and bad UTF-8 first (RFC 7517 §4: member names must be unique).
  if (json::ParseObject(jwk_json, sink) != Reason::kNone) {
    return KeyError(Reason::kBadKey, "JWK is not a strict JSON object");
  }
  bj::error_code ec;
  bj::value v = bj::parse(bj::string_view(jwk_json.data(), jwk_json.size()), ec);
  if (ec || !v.is_object()) return KeyError(Reason::kBadKey, "JWK is not a JSON object");
  auto key = KeyFromObject(v.get_object(), alg_if_absent);
  // The DOM held key material; wipe its strings before they go back to the allocator.
  for (auto& member : v.get_object()) {
    if (member.value().is_string()) {
      bj::string& s = member.value().get_string();
      OPENSSL_cleanse(s.data(), s.size());
    }
  }
  return key;
}

}  // namespace jwtd::jose
