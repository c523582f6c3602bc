// DPoP proof checks (RFC 9449 §4.3): valid proofs of each alg, and one test per attack the
// issue names (wrong htm/htu, stale iat, ath mismatch, another key, private jwk, none/HS).
#include "jwtd/jose/dpop.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace jwtd::jose {
namespace {

using testing::kNow;
using testing::MustGenerate;
using testing::MustSign;
using testing::RawToken;

constexpr std::string_view kUri = "https://auth.example/v1/me";

Reason ReasonOf(const Result<DpopProof>& r) { return r.ok() ? Reason::kNone : r.error().reason(); }

// The public JWK of `key` (with kid, use and alg, which a proof's jwk may carry too).
std::string PublicJwk(const Key& key) { return key.ToJwk(false); }

std::string Payload(std::string_view extra = "", std::int64_t iat = kNow) {
  return R"({"jti":"j-1","htm":"GET","htu":")" + std::string(kUri) + R"(","iat":)" +
         std::to_string(iat) + std::string(extra) + "}";
}

class Dpop : public ::testing::Test {
 protected:
  ManualClock clock_{kNow};
  DpopOptions options_;
  std::shared_ptr<const Key> es_ = MustGenerate(Alg::kES256);
  std::shared_ptr<const Key> ed_ = MustGenerate(Alg::kEdDSA);

  Result<DpopProof> Check(std::string_view proof, std::string_view method = "GET",
                          std::string_view uri = kUri, std::string_view token = {}) {
    return VerifyDpopProof(proof, DpopRequest{method, uri, token}, options_, clock_);
  }
  std::string Proof(const Key& key, std::string_view method = "GET", std::string_view uri = kUri,
                    std::int64_t iat = kNow, std::string_view token = {},
                    std::string_view nonce = {}) {
    auto proof = SignDpopProof(key, method, uri, iat, "jti-" + std::to_string(iat), token, nonce);
    EXPECT_TRUE(proof.ok());
    return proof.ok() ? *proof : std::string();
  }
  // A proof whose header is `header_json`, signed by `signer`.
  std::string WithHeader(const Key& signer, std::string_view header_json,
                         std::string_view payload) {
    return MustSign(signer, header_json, payload);
  }
  std::string HeaderWithJwk(std::string_view alg, std::string_view jwk,
                            std::string_view typ = "dpop+jwt") {
    return R"({"typ":")" + std::string(typ) + R"(","alg":")" + std::string(alg) + R"(","jwk":)" +
           std::string(jwk) + "}";
  }
};

TEST_F(Dpop, ValidProofsOfEachAllowedAlg) {
  for (const auto& key : {es_, ed_}) {
    auto proof = Check(Proof(*key));
    ASSERT_TRUE(proof.ok()) << AlgName(key->alg()) << " " << proof.error().message();
    EXPECT_EQ(proof->jkt, key->Thumbprint());  // RFC 7638 of the public key = cnf.jkt
    EXPECT_EQ(proof->jti, "jti-" + std::to_string(kNow));
    EXPECT_EQ(proof->iat, kNow);
    EXPECT_FALSE(proof->nonce.has_value());
  }
}

TEST_F(Dpop, AlgsOutsideTheListAreRefusedUntilAllowed) {
  auto es384 = MustGenerate(Alg::kES384);
  auto rs = MustGenerate(Alg::kRS256);
  EXPECT_EQ(ReasonOf(Check(Proof(*es384))), Reason::kDpopInvalid);
  EXPECT_EQ(ReasonOf(Check(Proof(*rs))), Reason::kDpopInvalid);
  options_.algs = {Alg::kES384, Alg::kRS256};
  EXPECT_TRUE(Check(Proof(*es384)).ok());
  EXPECT_TRUE(Check(Proof(*rs)).ok());
  EXPECT_EQ(ReasonOf(Check(Proof(*es_))), Reason::kDpopInvalid);  // also when cached before
}

TEST_F(Dpop, ThumbprintIgnoresTheJwkKid) {
  // A kid in the jwk must not become the jkt: the thumbprint is over the key members only.
  std::string jwk = PublicJwk(*es_);  // has "kid"
  auto proof = Check(WithHeader(*es_, HeaderWithJwk("ES256", jwk), Payload()));
  ASSERT_TRUE(proof.ok()) << proof.error().message();
  EXPECT_EQ(proof->jkt, es_->Thumbprint());
}

TEST_F(Dpop, WrongMethodOrUriIsMismatch) {
  std::string proof = Proof(*es_);
  EXPECT_EQ(ReasonOf(Check(proof, "POST")), Reason::kDpopMismatch);
  EXPECT_EQ(ReasonOf(Check(proof, "get")), Reason::kDpopMismatch);  // methods are case-sensitive
  EXPECT_EQ(ReasonOf(Check(proof, "GET", "https://auth.example/v1/authz")), Reason::kDpopMismatch);
  EXPECT_EQ(ReasonOf(Check(proof, "GET", "https://evil.example/v1/me")), Reason::kDpopMismatch);
  EXPECT_EQ(ReasonOf(Check(proof, "GET", "http://auth.example/v1/me")), Reason::kDpopMismatch);
  EXPECT_EQ(ReasonOf(Check(proof, "GET", "https://auth.example:8443/v1/me")),
            Reason::kDpopMismatch);
}

TEST_F(Dpop, UriComparedWithoutQueryAndFragmentAfterNormalisation) {  // RFC 9449 §4.3 step 9
  std::string proof = Proof(*es_, "GET", "HTTPS://Auth.Example:443/v1/%6de?x=1#f");
  EXPECT_TRUE(Check(proof, "GET", "https://auth.example/v1/me?other=2").ok());
  EXPECT_EQ(NormalizeHtu("http://h:80"), "http://h/");
  EXPECT_EQ(NormalizeHtu("http://h:/a%2fb"), "http://h/a%2Fb");
  EXPECT_EQ(NormalizeHtu("https://[::1]:8443/x"), "https://[::1]:8443/x");
  EXPECT_EQ(NormalizeHtu("https://[::1]/x"), "https://[::1]/x");
  EXPECT_EQ(NormalizeHtu("ftp://h/x"), std::nullopt);
  EXPECT_EQ(NormalizeHtu("/v1/me"), std::nullopt);
  EXPECT_EQ(NormalizeHtu("https://user@h/x"), std::nullopt);
  EXPECT_EQ(NormalizeHtu("https://h:x1/x"), std::nullopt);
  EXPECT_EQ(NormalizeHtu("https://h/a%4"), std::nullopt);
  EXPECT_EQ(NormalizeHtu("https://h/a%zz"), std::nullopt);
}

TEST_F(Dpop, IatOutsideWindowOrSkewIsStale) {
  EXPECT_TRUE(Check(Proof(*es_, "GET", kUri, kNow - options_.window_seconds)).ok());
  EXPECT_TRUE(Check(Proof(*es_, "GET", kUri, kNow + options_.skew_seconds)).ok());
  EXPECT_EQ(ReasonOf(Check(Proof(*es_, "GET", kUri, kNow - options_.window_seconds - 1))),
            Reason::kDpopStale);
  EXPECT_EQ(ReasonOf(Check(Proof(*es_, "GET", kUri, kNow + options_.skew_seconds + 1))),
            Reason::kDpopStale);
  for (std::string_view iat : {R"("1700000000")", "1700000000.5", "-1", "18446744073709551615"}) {
    std::string payload = R"({"jti":"j","htm":"GET","htu":")" + std::string(kUri) + R"(","iat":)" +
                          std::string(iat) + "}";
    EXPECT_NE(ReasonOf(Check(WithHeader(*es_, HeaderWithJwk("ES256", PublicJwk(*es_)), payload))),
              Reason::kNone)
        << iat;
  }
}

TEST_F(Dpop, AthMustMatchThePresentedToken) {
  EXPECT_TRUE(Check(Proof(*es_, "GET", kUri, kNow, "token-a"), "GET", kUri, "token-a").ok());
  EXPECT_EQ(ReasonOf(Check(Proof(*es_, "GET", kUri, kNow, "token-a"), "GET", kUri, "token-b")),
            Reason::kDpopMismatch);
  EXPECT_EQ(ReasonOf(Check(Proof(*es_), "GET", kUri, "token-a")), Reason::kDpopMismatch);
  // RFC 9449 §4.2 example of ath: base64url(SHA-256) of the token's ASCII bytes.
  EXPECT_EQ(AccessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

TEST_F(Dpop, ProofSignedByAnotherKeyIsRefused) {
  auto other = MustGenerate(Alg::kES256);
  std::string forged = WithHeader(*other, HeaderWithJwk("ES256", PublicJwk(*es_)), Payload());
  EXPECT_EQ(ReasonOf(Check(forged)), Reason::kDpopInvalid);
}

TEST_F(Dpop, JwkWithPrivateMembersIsRefused) {
  for (const auto& key : {es_, ed_}) {
    std::string alg(AlgName(key->alg()));
    std::string proof = WithHeader(*key, HeaderWithJwk(alg, key->ToJwk(true)), Payload());
    EXPECT_EQ(ReasonOf(Check(proof)), Reason::kDpopInvalid) << alg;
  }
}

TEST_F(Dpop, NoneAndHmacAndMismatchedKeysAreRefused) {
  std::string jwk = PublicJwk(*es_);
  for (std::string_view alg : {"none", "NONE", "HS256"}) {
    std::string proof = RawToken(HeaderWithJwk(alg, jwk), Payload(), "sig");
    EXPECT_EQ(ReasonOf(Check(proof)), Reason::kDpopInvalid) << alg;
  }
  auto hs = MustGenerate(Alg::kHS256, "hs");
  std::string hs_proof = WithHeader(
      *hs,
      HeaderWithJwk("HS256", R"({"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"})"),
      Payload());
  EXPECT_EQ(ReasonOf(Check(hs_proof)), Reason::kDpopInvalid);
  // An Ed25519 jwk under alg ES256: the key pins the algorithm.
  std::string mixed = RawToken(HeaderWithJwk("ES256", PublicJwk(*ed_)), Payload(), "sig");
  EXPECT_EQ(ReasonOf(Check(mixed)), Reason::kDpopInvalid);
}

TEST_F(Dpop, HeaderMustBeTypedAndCarryAJwk) {
  std::string jwk = PublicJwk(*es_);
  for (std::string_view typ : {"JWT", "at+jwt", "dpop", ""}) {
    EXPECT_EQ(ReasonOf(Check(WithHeader(*es_, HeaderWithJwk("ES256", jwk, typ), Payload()))),
              Reason::kDpopInvalid)
        << typ;
  }
  EXPECT_TRUE(
      Check(WithHeader(*es_, HeaderWithJwk("ES256", jwk, "application/DPoP+JWT"), Payload())).ok());
  EXPECT_EQ(ReasonOf(Check(WithHeader(*es_, R"({"typ":"dpop+jwt","alg":"ES256"})", Payload()))),
            Reason::kDpopInvalid);
  EXPECT_EQ(
      ReasonOf(Check(WithHeader(*es_, R"({"typ":"dpop+jwt","alg":"ES256","jwk":"x"})", Payload()))),
      Reason::kDpopInvalid);
  std::string crit = R"({"typ":"dpop+jwt","alg":"ES256","crit":["x"],"x":1,"jwk":)" + jwk + "}";
  EXPECT_EQ(ReasonOf(Check(WithHeader(*es_, crit, Payload()))), Reason::kDpopInvalid);
  std::string dup = R"({"typ":"dpop+jwt","typ":"dpop+jwt","alg":"ES256","jwk":)" + jwk + "}";
  EXPECT_EQ(ReasonOf(Check(RawToken(dup, Payload(), "sig"))), Reason::kDpopInvalid);
}

TEST_F(Dpop, RequiredClaimsAndStrictPayload) {
  std::string header = HeaderWithJwk("ES256", PublicJwk(*es_));
  const std::string htu = R"(,"htu":")" + std::string(kUri) + "\"";
  const std::string iat = R"(,"iat":)" + std::to_string(kNow);
  for (const std::string& payload :
       {R"({"htm":"GET")" + htu + iat + "}", R"({"jti":"j")" + htu + iat + "}",
        R"({"jti":"j","htm":"GET")" + iat + "}", R"({"jti":"j","htm":"GET")" + htu + "}",
        R"({"jti":"","htm":"GET")" + htu + iat + "}",
        R"({"jti":")" + std::string(257, 'a') + R"(","htm":"GET")" + htu + iat + "}",
        R"({"jti":"j","jti":"k","htm":"GET")" + htu + iat + "}",
        R"({"jti":"j","htm":"GET","nonce":7)" + htu + iat + "}"}) {
    EXPECT_EQ(ReasonOf(Check(WithHeader(*es_, header, payload))), Reason::kDpopInvalid) << payload;
  }
}

TEST_F(Dpop, NonceIsReturnedForTheCallersCheck) {
  auto proof = Check(Proof(*es_, "GET", kUri, kNow, {}, "n-123"));
  ASSERT_TRUE(proof.ok());
  EXPECT_EQ(proof->nonce, "n-123");
}

TEST_F(Dpop, EveryBitFlipOfTheSignatureFailsAlsoWhenTheHeaderIsCached) {
  for (const auto& key : {es_, ed_}) {
    std::string proof = Proof(*key);
    ASSERT_TRUE(Check(proof).ok());  // warms the header cache
    std::string sig = testing::SigBytes(proof);
    for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
      std::string flipped = sig;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      ASSERT_EQ(ReasonOf(Check(testing::WithSig(proof, flipped))), Reason::kDpopInvalid) << bit;
    }
    EXPECT_EQ(ReasonOf(Check(testing::WithSig(proof, sig.substr(1)))), Reason::kDpopInvalid);
  }
}

TEST_F(Dpop, OversizedAndMalformedProofsAreRefused) {
  EXPECT_EQ(ReasonOf(Check(std::string(options_.max_proof_bytes + 1, 'a'))), Reason::kDpopInvalid);
  for (std::string_view bad : {"", "a.b", "a.b.c.d", "!!.e30.e30", ".e30.e30"}) {
    EXPECT_EQ(ReasonOf(Check(bad)), Reason::kDpopInvalid) << bad;
  }
}

TEST_F(Dpop, SignRefusesKeysThatCannotMakeProofs) {
  auto hs = MustGenerate(Alg::kHS256, "hs");
  EXPECT_FALSE(SignDpopProof(*hs, "GET", kUri, kNow, "j").ok());
  auto pub = es_->PublicKey();
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE(SignDpopProof(**pub, "GET", kUri, kNow, "j").ok());
}

}  // namespace
}  // namespace jwtd::jose
