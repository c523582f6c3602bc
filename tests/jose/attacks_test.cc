// One test per attack class of RFC 8725 §2 and per header rule of verifier.h.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "test_util.h"

namespace jwtd::jose {
namespace {

using testing::GoodClaims;
using testing::HeaderFor;
using testing::MustGenerate;
using testing::MustSign;
using testing::RawToken;
using testing::ReasonOf;
using testing::SetOf;

class Attacks : public ::testing::Test {
 protected:
  std::shared_ptr<const Key> es_ = MustGenerate(Alg::kES256, "es");
  std::shared_ptr<const Key> rs_ = MustGenerate(Alg::kRS256, "rs");
  std::shared_ptr<const Key> hs_ = MustGenerate(Alg::kHS256, "hs");
  testing::VerifierFixture f_;
  std::unique_ptr<Verifier> v_ = f_.Make(SetOf({es_, rs_, hs_}));
};

TEST_F(Attacks, AlgNoneNeverVerifies) {  // RFC 8725 §2.1
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    std::string header = std::string(R"({"alg":")") + alg + R"(","typ":"at+jwt","kid":"hs"})";
    EXPECT_EQ(ReasonOf(v_->Verify(RawToken(header, GoodClaims(), ""))), Reason::kAlgNone) << alg;
  }
}

TEST_F(Attacks, UnknownOrMissingAlg) {
  EXPECT_EQ(ReasonOf(v_->Verify(RawToken(R"({"kid":"hs"})", GoodClaims(), "x"))),
            Reason::kUnsupportedAlg);
  EXPECT_EQ(ReasonOf(v_->Verify(RawToken(R"({"alg":"HS1","kid":"hs"})", GoodClaims(), "x"))),
            Reason::kUnsupportedAlg);
  EXPECT_EQ(ReasonOf(v_->Verify(RawToken(R"({"alg":"hs256","kid":"hs"})", GoodClaims(), "x"))),
            Reason::kUnsupportedAlg);
  EXPECT_EQ(ReasonOf(v_->Verify(RawToken(R"({"alg":256,"kid":"hs"})", GoodClaims(), "x"))),
            Reason::kUnsupportedAlg);
}

TEST_F(Attacks, RsaPublicKeyAsHmacSecretIsAlgMismatch) {  // RFC 8725 §2.1 key confusion
  auto pem = rs_->ToPem(false);
  ASSERT_TRUE(pem.ok());
  // The attacker MACs with the public key bytes and names the RSA key's kid.
  auto forged_key = Key::FromSecret(*pem, Alg::kHS256, "rs");
  ASSERT_TRUE(forged_key.ok());
  std::string forged = MustSign(**forged_key, HeaderFor(**forged_key), GoodClaims());
  EXPECT_EQ(ReasonOf(v_->Verify(forged)), Reason::kAlgMismatch);
  // Same with the JWK text as the secret.
  auto jwk_key = Key::FromSecret(rs_->ToJwk(false), Alg::kHS256, "rs");
  ASSERT_TRUE(jwk_key.ok());
  EXPECT_EQ(ReasonOf(v_->Verify(MustSign(**jwk_key, HeaderFor(**jwk_key), GoodClaims()))),
            Reason::kAlgMismatch);
}

TEST_F(Attacks, TokenAlgDiffersFromKeyAlg) {
  auto ps = MustGenerate(Alg::kPS256, "rs");  // same kid as the RS256 key
  std::string token = MustSign(*ps, HeaderFor(*ps), GoodClaims());
  EXPECT_EQ(ReasonOf(v_->Verify(token)), Reason::kAlgMismatch);
  auto es384 = MustGenerate(Alg::kES384, "es");
  EXPECT_EQ(ReasonOf(v_->Verify(MustSign(*es384, HeaderFor(*es384), GoodClaims()))),
            Reason::kAlgMismatch);
}

TEST_F(Attacks, UnknownAndMissingKid) {
  auto other = MustGenerate(Alg::kES256, "other");
  EXPECT_EQ(ReasonOf(v_->Verify(MustSign(*other, HeaderFor(*other), GoodClaims()))),
            Reason::kUnknownKid);
  std::string no_kid = MustSign(*es_, R"({"alg":"ES256","typ":"at+jwt"})", GoodClaims());
  EXPECT_EQ(ReasonOf(v_->Verify(no_kid)), Reason::kUnknownKid);
  // A single-key set does not make kid optional.
  auto single = f_.Make(SetOf({es_}));
  EXPECT_EQ(ReasonOf(single->Verify(no_kid)), Reason::kUnknownKid);
  EXPECT_EQ(ReasonOf(v_->Verify(RawToken(R"({"alg":"ES256","kid":7})", GoodClaims(), "x"))),
            Reason::kUnknownKid);
}

TEST_F(Attacks, Es256PsychicSignature) {  // CVE-2022-21449; RFC 7518 §3.4
  std::string token = MustSign(*es_, HeaderFor(*es_), GoodClaims());
  std::string sig = testing::SigBytes(token);
  const std::string n_bytes(
      "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
      "\xBC\xE6\xFA\xAD\xA7\x17\x9E\x84\xF3\xB9\xCA\xC2\xFC\x63\x25\x51",
      32);
  std::string n_plus_r = sig;  // s unchanged, r = n
  const std::string zero(32, '\0');
  std::string cases[] = {
      zero + zero,                  // r = s = 0
      n_bytes + n_bytes,            // r = s = n
      zero + sig.substr(32),        // r = 0
      sig.substr(0, 32) + zero,     // s = 0
      n_bytes + sig.substr(32),     // r = n
      sig.substr(0, 32) + n_bytes,  // s = n
      std::string(64, '\xFF'),      // r, s > n
  };
  for (const std::string& bad : cases) {
    EXPECT_EQ(ReasonOf(v_->Verify(testing::WithSig(token, bad))), Reason::kBadSignature);
  }
  // DER instead of R||S is refused outright (RFC 7518 §3.4: exactly 64 octets).
  EXPECT_EQ(ReasonOf(v_->Verify(testing::WithSig(token, "\x30\x06\x02\x01\x01\x02\x01\x01"))),
            Reason::kBadSignature);
}

TEST_F(Attacks, EmbeddedJwkJkuX5uX5cAreNeverTrusted) {  // RFC 8725 §2.9, §3.10
  auto attacker = MustGenerate(Alg::kES256, "es");      // attacker's key, victim's kid
  std::string jwk = attacker->ToJwk(false);
  for (const std::string& extra :
       {",\"jwk\":" + jwk, std::string(R"(,"jku":"https://evil.test/jwks")"),
        std::string(R"(,"x5u":"https://evil.test/cert")"), std::string(R"(,"x5c":["MIIB"])")}) {
    std::string token = MustSign(*attacker, HeaderFor(*attacker, extra), GoodClaims());
    EXPECT_EQ(ReasonOf(v_->Verify(token)), Reason::kBadSignature) << extra;
    // And the same parameters on a genuine token change nothing.
    std::string genuine = MustSign(*es_, HeaderFor(*es_, extra), GoodClaims());
    EXPECT_TRUE(v_->Verify(genuine).ok()) << extra;
  }
}

TEST_F(Attacks, AnyCritRejects) {  // RFC 7515 §4.1.11
  for (const char* crit : {R"(,"crit":["exp"],"exp":1)", R"(,"crit":["b64"],"b64":false)",
                           R"(,"crit":[])", R"(,"crit":"x")"}) {
    std::string token = MustSign(*es_, HeaderFor(*es_, crit), GoodClaims());
    EXPECT_EQ(ReasonOf(v_->Verify(token)), Reason::kUnsupportedCrit) << crit;
  }
}

TEST_F(Attacks, SizeLimitCheckedFirst) {
  std::string big(8193, 'A');  // not even a token: the limit comes before any parsing
  EXPECT_EQ(ReasonOf(v_->Verify(big)), Reason::kTokenTooLarge);
  std::string claims = GoodClaims();
  claims.insert(1, R"("pad":")" + std::string(7000, 'x') + "\",");
  std::string token = MustSign(*es_, HeaderFor(*es_), claims);
  ASSERT_GT(token.size(), 8192u);
  EXPECT_EQ(ReasonOf(v_->Verify(token)), Reason::kTokenTooLarge);
  f_.options.max_token_bytes = 100000;
  EXPECT_TRUE(f_.Make(SetOf({es_}))->Verify(token).ok());
}

TEST_F(Attacks, MalformedCompactForm) {
  for (const char* bad : {"", ".", "..", "a", "a.b", "a.b.c.d", ".b.c", "a..c.", "...."}) {
    EXPECT_EQ(ReasonOf(v_->Verify(bad)), Reason::kMalformedToken) << bad;
  }
}

TEST_F(Attacks, NonStrictBase64InAnySegment) {
  std::string token = MustSign(*es_, HeaderFor(*es_), GoodClaims());
  std::size_t d1 = token.find('.'), d2 = token.rfind('.');
  std::vector<std::string> bad;
  for (std::size_t at : {d1, d2, token.size()}) {  // end of header, payload, signature
    bad.push_back(token.substr(0, at) + "=" + token.substr(at));
    bad.push_back(token.substr(0, at) + " " + token.substr(at));
    bad.push_back(token.substr(0, at) + "\n" + token.substr(at));
    bad.push_back(token.substr(0, at) + "+" + token.substr(at));
  }
  bad.push_back(token.substr(0, 1) + "/" + token.substr(2));
  bad.push_back(token.substr(0, 1) + "+" + token.substr(2));
  // A non-canonical final character in the signature: ES256 signatures are 64 bytes = 86
  // characters, whose last one carries 4 unused bits.
  std::string noncanon = token;
  char& last = noncanon.back();
  last = static_cast<char>(last == 'A' ? 'B' : (last == 'Q' ? 'R' : last + 1));
  bad.push_back(noncanon);
  for (const std::string& b : bad) {
    Reason r = ReasonOf(v_->Verify(b));
    EXPECT_TRUE(r == Reason::kBadBase64 || r == Reason::kBadJson) << b << " " << ReasonName(r);
  }
  EXPECT_EQ(ReasonOf(v_->Verify(noncanon)), Reason::kBadBase64);
  EXPECT_EQ(ReasonOf(v_->Verify(token + "AAA")), Reason::kBadBase64);  // 89 chars: len % 4 == 1
}

}  // namespace
}  // namespace jwtd::jose
