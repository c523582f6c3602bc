// Claims validation (RFC 7519 §4.1, RFC 8725 §3.8-3.11, RFC 9068 §4) and strict JSON rules.
#include <gtest/gtest.h>

#include "test_util.h"

namespace jwtd::jose {
namespace {

using testing::kNow;
using testing::ReasonOf;

class ClaimsTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Key> key_ = testing::MustGenerate(Alg::kHS256, "hs");
  testing::VerifierFixture f_;

  std::string Token(std::string_view claims, std::string_view extra_header = "") {
    return testing::MustSign(*key_, testing::HeaderFor(*key_, extra_header), claims);
  }
  Reason Check(std::string_view claims) {
    return ReasonOf(f_.Make(testing::SetOf({key_}))->Verify(Token(claims)));
  }
  // Claims with exp/nbf/iat given as raw JSON text.
  static std::string Times(std::string_view exp, std::string_view nbf = "",
                           std::string_view iat = "") {
    std::string s = R"({"iss":"https://issuer.test","aud":"api","exp":)" + std::string(exp);
    if (!nbf.empty()) s += ",\"nbf\":" + std::string(nbf);
    if (!iat.empty()) s += ",\"iat\":" + std::string(iat);
    return s + "}";
  }
  static std::string N(std::int64_t v) { return std::to_string(v); }
};

TEST_F(ClaimsTest, ValidTokenPasses) { EXPECT_EQ(Check(testing::GoodClaims()), Reason::kNone); }

TEST_F(ClaimsTest, ExpWithLeewayEdges) {  // RFC 7519 §4.1.4, leeway 30 s
  EXPECT_EQ(Check(Times(N(kNow - 29))), Reason::kNone);
  EXPECT_EQ(Check(Times(N(kNow - 30))), Reason::kTokenExpired);
  EXPECT_EQ(Check(Times(N(kNow - 3600))), Reason::kTokenExpired);
  f_.options.leeway_seconds = 0;
  EXPECT_EQ(Check(Times(N(kNow + 1))), Reason::kNone);
  EXPECT_EQ(Check(Times(N(kNow))), Reason::kTokenExpired);
}

TEST_F(ClaimsTest, ExpIsRequired) {
  EXPECT_EQ(Check(R"({"iss":"https://issuer.test","aud":"api"})"), Reason::kMissingClaim);
}

TEST_F(ClaimsTest, NbfWithLeewayEdges) {  // RFC 7519 §4.1.5
  EXPECT_EQ(Check(Times(N(kNow + 600), N(kNow + 30))), Reason::kNone);
  EXPECT_EQ(Check(Times(N(kNow + 600), N(kNow + 31))), Reason::kNotYetValid);
}

TEST_F(ClaimsTest, IatInFutureBeyondLeeway) {
  EXPECT_EQ(Check(Times(N(kNow + 600), "", N(kNow + 30))), Reason::kNone);
  EXPECT_EQ(Check(Times(N(kNow + 600), "", N(kNow + 31))), Reason::kIssuedInFuture);
}

TEST_F(ClaimsTest, NumericDateMustBeAnIntegerInRange) {
  for (const char* bad :
       {"1.5", "1700000600.0", "1.7e9", "\"1700000600\"", "-1", "null", "true", "[1700000600]",
        "{\"t\":1}", "253402300800", "18446744073709551615", "18446744073709551616", "1e400"}) {
    EXPECT_EQ(Check(Times(bad)), Reason::kBadNumericDate) << bad;
    EXPECT_EQ(Check(Times(N(kNow + 600), bad)), Reason::kBadNumericDate) << bad;
    EXPECT_EQ(Check(Times(N(kNow + 600), "", bad)), Reason::kBadNumericDate) << bad;
  }
  f_.clock.Set(0);
  EXPECT_EQ(Check(Times("253402300799", "0", "0")), Reason::kNone);
}

TEST_F(ClaimsTest, VerMustBeANonNegativeInteger) {
  std::string base = Times(N(kNow + 600));
  base.pop_back();
  EXPECT_EQ(Check(base + ",\"ver\":0}"), Reason::kNone);
  for (const char* bad : {"-1", "1.5", "\"1\"", "null", "9223372036854775808"}) {
    EXPECT_EQ(Check(base + ",\"ver\":" + bad + "}"), Reason::kMissingClaim) << bad;
  }
}

TEST_F(ClaimsTest, IssuerMustMatchExactly) {
  std::string claims = testing::GoodClaims();
  EXPECT_EQ(Check(claims), Reason::kNone);
  f_.options.issuer = "https://issuer.test/";
  EXPECT_EQ(Check(claims), Reason::kBadIssuer);
  f_.options.issuer = "https://ISSUER.test";
  EXPECT_EQ(Check(claims), Reason::kBadIssuer);
  f_.options.issuer = "https://issuer.test";
  EXPECT_EQ(Check(R"({"aud":"api","exp":)" + N(kNow + 60) + "}"), Reason::kBadIssuer);
  EXPECT_EQ(Check(R"({"iss":5,"aud":"api","exp":)" + N(kNow + 60) + "}"), Reason::kMissingClaim);
}

TEST_F(ClaimsTest, AudienceStringOrArray) {
  std::string tail = R"(,"iss":"https://issuer.test","exp":)" + N(kNow + 60) + "}";
  EXPECT_EQ(Check(R"({"aud":"api")" + tail), Reason::kNone);
  EXPECT_EQ(Check(R"({"aud":["x","api"])" + tail), Reason::kNone);
  EXPECT_EQ(Check(R"({"aud":["x","y"])" + tail), Reason::kBadAudience);
  EXPECT_EQ(Check(R"({"aud":"API")" + tail), Reason::kBadAudience);
  EXPECT_EQ(Check(R"({"aud":[])" + tail), Reason::kBadAudience);
  EXPECT_EQ(Check(tail.substr(1).insert(0, "{")), Reason::kBadAudience);
  EXPECT_EQ(Check(R"({"aud":["api",1])" + tail), Reason::kMissingClaim);
  EXPECT_EQ(Check(R"({"aud":{"api":1})" + tail), Reason::kMissingClaim);
  f_.options.audiences = {"other", "api"};
  EXPECT_EQ(Check(R"({"aud":"api")" + tail), Reason::kNone);
  f_.options.audiences.clear();
  EXPECT_EQ(Check(R"({"aud":"zzz")" + tail), Reason::kNone);
}

TEST_F(ClaimsTest, TypCaseInsensitiveWithOptionalPrefix) {  // RFC 7515 §4.1.9, RFC 9068 §4
  auto verifier = f_.Make(testing::SetOf({key_}));
  auto with_typ = [&](std::string_view typ) {
    std::string header = R"({"alg":"HS256","kid":"hs")";
    if (!typ.empty()) header += ",\"typ\":\"" + std::string(typ) + "\"";
    return ReasonOf(
        verifier->Verify(testing::MustSign(*key_, header + "}", testing::GoodClaims())));
  };
  for (const char* ok : {"at+jwt", "AT+JWT", "application/at+jwt", "Application/At+Jwt"}) {
    EXPECT_EQ(with_typ(ok), Reason::kNone) << ok;
  }
  for (const char* bad : {"JWT", "jwt", "at+jwt ", "application/", "text/at+jwt", ""}) {
    EXPECT_EQ(with_typ(bad), Reason::kBadType) << bad;
  }
  EXPECT_EQ(ReasonOf(verifier->Verify(testing::RawToken(R"({"alg":"HS256","kid":"hs","typ":1})",
                                                        testing::GoodClaims(), "sig"))),
            Reason::kBadType);
}

TEST_F(ClaimsTest, RequiredClaims) {
  f_.options.required_claims = {"sub", "jti"};
  EXPECT_EQ(Check(testing::GoodClaims()), Reason::kNone);
  f_.options.required_claims = {"scope"};
  EXPECT_EQ(Check(testing::GoodClaims()), Reason::kMissingClaim);
}

TEST_F(ClaimsTest, VerifySignatureThenValidateClaimsLater) {
  auto verifier = f_.Make(testing::SetOf({key_}));
  auto claims = verifier->VerifySignature(Token(Times(N(kNow + 60))));
  ASSERT_TRUE(claims.ok());
  EXPECT_TRUE(verifier->ValidateClaims(*claims).ok());
  f_.clock.Advance(90);
  auto later = verifier->ValidateClaims(*claims);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().reason(), Reason::kTokenExpired);
  EXPECT_EQ(later.error().code(), Code::kUnauthenticated);
}

TEST_F(ClaimsTest, DuplicateMembersAnywhereReject) {  // RFC 7515 §4, RFC 7519 §4
  std::string exp = N(kNow + 60);
  EXPECT_EQ(Check(R"({"exp":)" + exp + R"(,"exp":)" + exp + "}"), Reason::kDuplicateMember);
  EXPECT_EQ(Check(R"({"sub":"a","exp":)" + exp + R"(,"sub":"b"})"), Reason::kDuplicateMember);
  EXPECT_EQ(Check(R"({"x":{"a":1,"b":{"c":1,"c":2}},"exp":)" + exp + "}"),
            Reason::kDuplicateMember);
  EXPECT_EQ(Check(R"({"x":[{"a":1,"a":1}],"exp":)" + exp + "}"), Reason::kDuplicateMember);
  // Escapes do not hide a duplicate: "\u0065xp" is "exp".
  EXPECT_EQ(Check(R"({"exp":)" + exp + R"(,"\u0065xp":1})"), Reason::kDuplicateMember);
  // Many members: the sorted path.
  std::string many = "{";
  for (int i = 0; i < 40; ++i) many += "\"m" + std::to_string(i) + "\":1,";
  EXPECT_EQ(Check(many + "\"m7\":2,\"exp\":" + exp + "}"), Reason::kDuplicateMember);
  f_.options.issuer.clear();
  f_.options.audiences.clear();
  EXPECT_EQ(Check(many + "\"exp\":" + exp + "}"), Reason::kNone);
  // The same name in different objects is fine.
  EXPECT_EQ(Check(R"({"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}],"exp":)" + exp + "}"), Reason::kNone);
}

TEST_F(ClaimsTest, DuplicateHeaderMembersReject) {
  auto verifier = f_.Make(testing::SetOf({key_}));
  for (const char* header : {R"({"alg":"HS256","alg":"HS256","kid":"hs","typ":"at+jwt"})",
                             R"({"alg":"HS256","kid":"hs","kid":"hs","typ":"at+jwt"})",
                             R"({"alg":"HS256","kid":"hs","typ":"at+jwt","x":{"y":1,"y":1}})"}) {
    auto token = SignWithHeader(*key_, header, testing::GoodClaims());
    ASSERT_FALSE(token.ok());  // the signer refuses it too
    std::string raw = testing::RawToken(header, testing::GoodClaims(), "sig");
    EXPECT_EQ(ReasonOf(verifier->Verify(raw)), Reason::kDuplicateMember) << header;
  }
}

TEST_F(ClaimsTest, InvalidUtf8Rejects) {  // RFC 8259 §8.1, RFC 8725 §3.7
  std::string exp = N(kNow + 60);
  for (const char* bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
                          "\\ud800", "\\udc00x", "\\ud800\\u0041", "\\ud800\\"}) {
    EXPECT_EQ(Check(R"({"sub":")" + std::string(bad) + R"(","exp":)" + exp + "}"),
              Reason::kInvalidUtf8)
        << bad;
  }
  // Valid multi-byte text passes.
  f_.options.issuer.clear();
  f_.options.audiences.clear();
  EXPECT_EQ(Check(R"({"sub":"Zoë 😀 \ud83d\ude00","exp":)" + exp + "}"), Reason::kNone);
  auto verifier = f_.Make(testing::SetOf({key_}));
  std::string raw = testing::RawToken("{\"alg\":\"HS256\",\"kid\":\"h\xffs\"}", "{}", "s");
  EXPECT_EQ(ReasonOf(verifier->Verify(raw)), Reason::kInvalidUtf8);
}

TEST_F(ClaimsTest, NotAJsonObject) {
  for (const char* bad : {"[]", "\"x\"", "1", "{", "{\"exp\":1", "{} {}", "{\"a\":1,}", "",
                          "{'a':1}", "{\"a\":1} x"}) {
    EXPECT_EQ(Check(bad), Reason::kBadJson) << bad;
  }
}

}  // namespace
}  // namespace jwtd::jose
