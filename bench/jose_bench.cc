// JOSE sign/verify throughput of jwtd next to its baselines, all in one run (the machines are
// shared and noisy; only ratios taken in the same run hold):
//   {sign,verify}/jwtd/<alg>    jose::Signer::Sign / jose::Verifier::Verify (claims checks on)
//   {sign,verify}/raw/<alg>     raw OpenSSL on the same signing input, contexts prepared once,
//                               as `openssl speed` does: HMAC via a reused EVP_MAC_CTX re-inited
//                               with a NULL key; RSA/ECDSA via a prepared EVP_PKEY_CTX over a
//                               SHA digest; Ed25519 via EVP_DigestVerify.
//   verify/libjwt/<alg>         Debian's libjwt 1.10 (jwt_decode + alg/exp/nbf/iss/aud checks,
//                               as the peers' own libjwt benchmark does), same key and
//                               claims; header typ "JWT" because libjwt 1.10 refuses any other
//                               typ (so its token is 4 characters shorter).
// The token is the standard access token of api.md: header {"alg","typ":"at+jwt","kid"};
// claims iss, sub, aud, exp (+900 s), iat, nbf, jti (22 chars), sid, ver, scope.
// scripts/bench-jose.sh runs this and prints medians and jwtd/raw ratios.
#include <benchmark/benchmark.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/alg.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/key.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace jwtd::jose {
namespace {

constexpr std::string_view kIssuer = "https://auth.example.test";
constexpr std::string_view kAudience = "api";
constexpr std::string_view kKid = "k1";
// 64 bytes: long enough for HS512 (RFC 7518 §3.2), and shared with libjwt for HS256.
constexpr std::string_view kSecret =
    "k1-hs-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123";

[[noreturn]] void Die(std::string_view what) {
  std::fprintf(stderr, "jose_bench: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Ptr = std::unique_ptr<T, Deleter<T, Free>>;
using PkeyPtr = Ptr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using MdPtr = Ptr<EVP_MD, EVP_MD_free>;
using MacPtr = Ptr<EVP_MAC, EVP_MAC_free>;
using MacCtxPtr = Ptr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using JwtPtr = Ptr<jwt_t, jwt_free>;

std::string ClaimsJson(std::int64_t now) {
  char buf[512];
  int n =
      std::snprintf(buf, sizeof buf,
                    R"({"iss":"%s","sub":"user-123","aud":"%s","exp":%lld,"iat":%lld,)"
                    R"("nbf":%lld,"jti":"Xo3kq9N1s2VbT5yPz8Lw0A","sid":"Qm7Tn2Lr5Vx8Zc1Bd4Fg6H",)"
                    R"("ver":3,"scope":"read write"})",
                    kIssuer.data(), kAudience.data(), static_cast<long long>(now + 900),
                    static_cast<long long>(now), static_cast<long long>(now));
  return std::string(buf, static_cast<std::size_t>(n));
}

const char* DigestName(Alg alg) {
  switch (alg) {
    case Alg::kES384:
    case Alg::kHS384:
      return "SHA384";
    case Alg::kHS512:
      return "SHA512";
    case Alg::kEdDSA:
      return nullptr;
    default:
      return "SHA256";
  }
}

// One algorithm's key, signer, verifier and a signed standard token, plus the raw parts of
// that token for the baselines.
struct Fixture {
  Alg alg{};
  std::string claims;
  std::shared_ptr<const Key> key;
  std::unique_ptr<Signer> signer;
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<ManualClock> clock;
  std::string token;
  std::string libjwt_token;  // typ "JWT": libjwt 1.10 rejects typ "at+jwt"
  std::string_view signing_input;
  std::string signature;  // raw bytes: R||S for ECDSA (RFC 7518 §3.4)
  std::string private_pem, public_pem;
};

std::unique_ptr<Key> MakeKey(Alg alg) {
  auto key = IsSymmetric(alg) ? Key::FromSecret(kSecret, alg, std::string(kKid))
                              : Key::Generate(alg, std::string(kKid));
  if (!key.ok()) Die("key: " + key.error().message());
  return std::move(key).value();
}

std::unique_ptr<Fixture> MakeFixture(Alg alg) {
  auto f = std::make_unique<Fixture>();
  f->alg = alg;
  const std::int64_t now = std::time(nullptr);
  f->clock = std::make_unique<ManualClock>(now);
  f->claims = ClaimsJson(now);
  f->key = MakeKey(alg);
  auto signer = Signer::Create(f->key);
  if (!signer.ok()) Die("signer: " + signer.error().message());
  f->signer = std::move(signer).value();
  auto set = KeySet::Of({f->key});
  if (!set.ok()) Die("keyset: " + set.error().message());
  VerifyOptions opts;
  opts.issuer = std::string(kIssuer);
  opts.audiences = {std::string(kAudience)};
  auto verifier = Verifier::Create(std::move(set).value(), opts, f->clock.get());
  if (!verifier.ok()) Die("verifier: " + verifier.error().message());
  f->verifier = std::move(verifier).value();
  auto token = f->signer->Sign(f->claims);
  if (!token.ok()) Die("sign: " + token.error().message());
  f->token = std::move(token).value();
  auto libjwt_token = f->signer->Sign(f->claims, "JWT");
  if (!libjwt_token.ok()) Die("sign: " + libjwt_token.error().message());
  f->libjwt_token = std::move(libjwt_token).value();
  std::size_t dot = f->token.rfind('.');
  f->signing_input = std::string_view(f->token).substr(0, dot);
  if (!Base64UrlDecode(std::string_view(f->token).substr(dot + 1), &f->signature)) {
    Die("signature is not base64url");
  }
  if (!IsSymmetric(alg)) {
    f->private_pem = f->key->ToPem(true).value();
    f->public_pem = f->key->ToPem(false).value();
  }
  return f;
}

PkeyPtr ReadPem(const std::string& pem, bool is_private) {
  Ptr<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* p = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                           : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (p == nullptr) Die("PEM does not parse");
  return PkeyPtr(p);
}

// JWS ECDSA signatures are R||S; OpenSSL's EVP_PKEY_verify wants DER (converted once here).
std::string EcdsaRawToDer(const std::string& raw) {
  Ptr<ECDSA_SIG, ECDSA_SIG_free> sig(ECDSA_SIG_new());
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  int half = static_cast<int>(raw.size() / 2);
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(p, half, nullptr), BN_bin2bn(p + half, half, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// Prepared EVP_PKEY_CTX for RSA/ECDSA over a precomputed digest, as `openssl speed` does.
PkeyCtxPtr PreparePkeyCtx(Alg alg, EVP_PKEY* pkey, bool sign) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if ((sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) {
    Die("EVP_PKEY_*_init");
  }
  const EVP_MD* md = alg == Alg::kES384 ? EVP_sha384() : EVP_sha256();
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) Die("set_signature_md");
  if (alg == Alg::kRS256 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    Die("rsa padding");
  }
  if (alg == Alg::kPS256) {  // RFC 7518 §3.5: MGF1 with SHA-256, salt = hash length
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), 32) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1) {
      Die("pss params");
    }
  }
  return ctx;
}

// The raw OpenSSL state for one algorithm: everything that can be prepared once is.
class RawCrypto {
 public:
  explicit RawCrypto(const Fixture& f) : f_(f) {
    if (IsSymmetric(f.alg)) {
      mac_.reset(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
      mac_ctx_.reset(EVP_MAC_CTX_new(mac_.get()));
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                                 OSSL_MAC_PARAM_DIGEST, const_cast<char*>(DigestName(f.alg)), 0),
                             OSSL_PARAM_construct_end()};
      if (EVP_MAC_init(mac_ctx_.get(), reinterpret_cast<const unsigned char*>(kSecret.data()),
                       kSecret.size(), params) != 1) {
        Die("EVP_MAC_init");
      }
      return;
    }
    priv_ = ReadPem(f.private_pem, true);
    pub_ = ReadPem(f.public_pem, false);
    md_ctx_.reset(EVP_MD_CTX_new());
    if (f.alg == Alg::kEdDSA) {
      verify_md_ctx_.reset(EVP_MD_CTX_new());
      if (EVP_DigestVerifyInit(verify_md_ctx_.get(), nullptr, nullptr, nullptr, pub_.get()) != 1) {
        Die("EVP_DigestVerifyInit");
      }
      return;
    }
    md_.reset(EVP_MD_fetch(nullptr, DigestName(f.alg), nullptr));
    verify_ctx_ = PreparePkeyCtx(f.alg, pub_.get(), false);
    sign_ctx_ = PreparePkeyCtx(f.alg, priv_.get(), true);
    bool ec = f.alg == Alg::kES256 || f.alg == Alg::kES384;
    verify_sig_ = ec ? EcdsaRawToDer(f.signature) : f.signature;
  }

  bool Verify() {
    if (mac_ctx_) {
      unsigned char out[EVP_MAX_MD_SIZE];
      std::size_t n = Mac(out);
      return n == f_.signature.size() && CRYPTO_memcmp(out, f_.signature.data(), n) == 0;
    }
    const auto* sig = reinterpret_cast<const unsigned char*>(verify_sig_.data());
    if (verify_md_ctx_) {
      return EVP_DigestVerify(verify_md_ctx_.get(),
                              reinterpret_cast<const unsigned char*>(f_.signature.data()),
                              f_.signature.size(), Tbs(), f_.signing_input.size()) == 1;
    }
    unsigned char dgst[EVP_MAX_MD_SIZE];
    unsigned int dlen = Digest(dgst);
    return EVP_PKEY_verify(verify_ctx_.get(), sig, verify_sig_.size(), dgst, dlen) == 1;
  }

  bool Sign() {
    unsigned char out[1024];
    std::size_t n = sizeof out;
    if (mac_ctx_) return Mac(out) > 0;
    if (f_.alg == Alg::kEdDSA) {  // one-shot: the context cannot be reused after a sign
      return EVP_DigestSignInit(md_ctx_.get(), nullptr, nullptr, nullptr, priv_.get()) == 1 &&
             EVP_DigestSign(md_ctx_.get(), out, &n, Tbs(), f_.signing_input.size()) == 1;
    }
    unsigned char dgst[EVP_MAX_MD_SIZE];
    unsigned int dlen = Digest(dgst);
    return EVP_PKEY_sign(sign_ctx_.get(), out, &n, dgst, dlen) == 1;
  }

 private:
  const unsigned char* Tbs() const {
    return reinterpret_cast<const unsigned char*>(f_.signing_input.data());
  }
  // HMAC with the key schedule kept: re-init with a NULL key, like `openssl speed -hmac`.
  std::size_t Mac(unsigned char* out) {
    std::size_t n = 0;
    if (EVP_MAC_init(mac_ctx_.get(), nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(mac_ctx_.get(), Tbs(), f_.signing_input.size()) != 1 ||
        EVP_MAC_final(mac_ctx_.get(), out, &n, EVP_MAX_MD_SIZE) != 1) {
      return 0;
    }
    return n;
  }
  unsigned int Digest(unsigned char* out) {
    unsigned int n = 0;
    if (EVP_DigestInit_ex(md_ctx_.get(), md_.get(), nullptr) != 1 ||
        EVP_DigestUpdate(md_ctx_.get(), Tbs(), f_.signing_input.size()) != 1 ||
        EVP_DigestFinal_ex(md_ctx_.get(), out, &n) != 1) {
      return 0;
    }
    return n;
  }

  const Fixture& f_;
  MacPtr mac_;
  MacCtxPtr mac_ctx_;
  PkeyPtr priv_, pub_;
  MdPtr md_;
  MdCtxPtr md_ctx_, verify_md_ctx_;
  PkeyCtxPtr verify_ctx_, sign_ctx_;
  std::string verify_sig_;
};

// libjwt 1.10 verify as the peer benchmark does it: decode with the key (PEM re-parsed per
// call: that API takes no parsed key), then alg, exp, nbf, iss and aud.
class Libjwt {
 public:
  explicit Libjwt(const Fixture& f) : f_(f) {
    switch (f.alg) {
      case Alg::kHS256:
        jalg_ = JWT_ALG_HS256;
        key_ = std::string(kSecret);
        break;
      case Alg::kRS256:
        jalg_ = JWT_ALG_RS256;
        key_ = f.public_pem;
        break;
      case Alg::kES256:
        jalg_ = JWT_ALG_ES256;
        key_ = f.public_pem;
        break;
      default:
        Die("libjwt: unsupported alg in this bench");
    }
  }

  bool Verify() const {
    jwt_t* raw = nullptr;
    if (jwt_decode(&raw, f_.libjwt_token.c_str(),
                   reinterpret_cast<const unsigned char*>(key_.data()),
                   static_cast<int>(key_.size())) != 0) {
      return false;
    }
    JwtPtr jwt(raw);
    long now = static_cast<long>(f_.clock->NowSeconds());
    const char* iss = jwt_get_grant(jwt.get(), "iss");
    const char* aud = jwt_get_grant(jwt.get(), "aud");
    return jwt_get_alg(jwt.get()) == jalg_ && jwt_get_grant_int(jwt.get(), "exp") > now &&
           jwt_get_grant_int(jwt.get(), "nbf") <= now && iss != nullptr && kIssuer == iss &&
           aud != nullptr && kAudience == aud;
  }

 private:
  const Fixture& f_;
  jwt_alg_t jalg_{};
  std::string key_;
};

template <typename Op>
void Loop(benchmark::State& state, Op&& op, std::size_t token_bytes) {
  if (!op()) {  // a baseline that fails would measure an error path
    state.SkipWithError("operation failed");
    return;
  }
  for (auto _ : state) {
    bool ok = op();
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["token_bytes"] = static_cast<double>(token_bytes);
}

void Register(const Fixture* f) {
  std::string name(AlgName(f->alg));
  auto raw = std::make_shared<RawCrypto>(*f);
  std::size_t bytes = f->token.size();
  benchmark::RegisterBenchmark(("verify/jwtd/" + name).c_str(), [f, bytes](benchmark::State& s) {
    Loop(
        s, [f] { return f->verifier->Verify(f->token).ok(); }, bytes);
  });
  benchmark::RegisterBenchmark(("verify/raw/" + name).c_str(), [raw, bytes](benchmark::State& s) {
    Loop(
        s, [&raw] { return raw->Verify(); }, bytes);
  });
  if (f->alg == Alg::kHS256 || f->alg == Alg::kRS256 || f->alg == Alg::kES256) {
    auto peer = std::make_shared<Libjwt>(*f);
    std::size_t peer_bytes = f->libjwt_token.size();
    benchmark::RegisterBenchmark(("verify/libjwt/" + name).c_str(),
                                 [peer, peer_bytes](benchmark::State& s) {
                                   Loop(
                                       s, [&peer] { return peer->Verify(); }, peer_bytes);
                                 });
  }
  benchmark::RegisterBenchmark(("sign/jwtd/" + name).c_str(), [f, bytes](benchmark::State& s) {
    Loop(
        s, [f] { return f->signer->Sign(f->claims).ok(); }, bytes);
  });
  benchmark::RegisterBenchmark(("sign/raw/" + name).c_str(), [raw, bytes](benchmark::State& s) {
    Loop(
        s, [&raw] { return raw->Sign(); }, bytes);
  });
}

}  // namespace
}  // namespace jwtd::jose

int main(int argc, char** argv) {
  using namespace jwtd::jose;
  std::vector<std::unique_ptr<Fixture>> fixtures;
  for (Alg alg : kAllAlgs) {
    fixtures.push_back(MakeFixture(alg));
    Register(fixtures.back().get());
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
