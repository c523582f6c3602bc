// Known-answer vectors: RFC 7515 Appendix A.1-A.3, RFC 8037 Appendix A, RFC 7638 §3.1.
//
// The RFC 7515 examples carry no kid; jose's Verifier requires one, so they go through
// VerifyCompact (verify_internal.h) with the key given explicitly.
#include <gtest/gtest.h>

#include "jws_crypto.h"
#include "test_util.h"
#include "verify_internal.h"

namespace jwtd::jose {
namespace {

using testing::MustJwk;

// RFC 7515 A.1-A.3 share this payload (with CR LF inside the JSON).
constexpr char kPayloadB64[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";
constexpr char kPayload[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

constexpr char kA1Key[] =
    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";
constexpr char kA1Token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

constexpr char kA2Key[] =
    R"({"kty":"RSA",)"
    R"("n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",)"
    R"("e":"AQAB",)"
    R"("d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",)"
    R"("p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",)"
    R"("q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",)"
    R"("dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",)"
    R"("dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",)"
    R"("qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";
constexpr char kA2Sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb"
    "1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QO"
    "YEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

constexpr char kA3Key[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";
constexpr char kA3Sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 A.1 / A.2.
constexpr char kEdPrivate[] =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr char kEdPublic[] =
    R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr char kEdJws[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

void ExpectExampleClaims(const Result<Claims>& claims) {
  ASSERT_TRUE(claims.ok()) << ReasonName(claims.error().reason());
  EXPECT_EQ(claims->iss(), "joe");
  EXPECT_EQ(claims->exp(), 1300819380);
  EXPECT_TRUE(claims->Has("http://example.com/is_root"));
  EXPECT_EQ(claims->json(), kPayload);
}

TEST(Rfc7515, A1Hs256Verifies) {
  // The example key has no kid; oct keys need one (a thumbprint would publish a hash of the
  // secret), so the test assigns one.
  auto no_kid = Key::FromJwk(kA1Key, Alg::kHS256);
  ASSERT_FALSE(no_kid.ok());
  EXPECT_EQ(no_kid.error().reason(), Reason::kBadKey);
  auto key = MustJwk(std::string(kA1Key).insert(1, R"("kid":"a1",)"), Alg::kHS256);
  ASSERT_NE(key, nullptr);
  auto claims = VerifyCompact(kA1Token, 8192, nullptr, key.get());
  ExpectExampleClaims(claims);
  EXPECT_EQ(claims->typ(), "JWT");
  EXPECT_EQ(claims->alg(), Alg::kHS256);
  // Re-signing the exact header reproduces the example byte for byte (HMAC is deterministic).
  auto token = SignWithHeader(*key, "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}", kPayload);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, kA1Token);
}

TEST(Rfc7515, A1ThroughVerifierNeedsKid) {
  auto key = MustJwk(std::string(kA1Key).insert(1, R"("kid":"a1",)"), Alg::kHS256);
  ManualClock clock(1300819380 - 60);
  VerifyOptions options;
  options.typ.clear();
  auto verifier = Verifier::Create(testing::SetOf({key}), options, &clock);
  ASSERT_TRUE(verifier.ok());
  // kid is mandatory for Verifier, even with a single key (documented choice).
  EXPECT_EQ(testing::ReasonOf((*verifier)->Verify(kA1Token)), Reason::kUnknownKid);
}

TEST(Rfc7515, A2Rs256VerifiesAndSignsByteExact) {
  auto key = MustJwk(kA2Key, Alg::kRS256);
  ASSERT_NE(key, nullptr);
  auto pub = key->PublicKey();
  ASSERT_TRUE(pub.ok());
  std::string token = std::string("eyJhbGciOiJSUzI1NiJ9.") + kPayloadB64 + "." + kA2Sig;
  ExpectExampleClaims(VerifyCompact(token, 8192, nullptr, pub->get()));
  auto signed_token = SignWithHeader(*key, R"({"alg":"RS256"})", kPayload);
  ASSERT_TRUE(signed_token.ok());
  EXPECT_EQ(*signed_token, token);  // RSASSA-PKCS1-v1_5 is deterministic
}

TEST(Rfc7515, A3Es256Verifies) {
  auto key = MustJwk(kA3Key, Alg::kES256);
  ASSERT_NE(key, nullptr);
  std::string token = std::string("eyJhbGciOiJFUzI1NiJ9.") + kPayloadB64 + "." + kA3Sig;
  ExpectExampleClaims(VerifyCompact(token, 8192, nullptr, key.get()));
  auto pub = key->PublicKey();
  ASSERT_TRUE(pub.ok());
  ExpectExampleClaims(VerifyCompact(token, 8192, nullptr, pub->get()));
}

TEST(Rfc8037, A1A2KeysAndA3Thumbprint) {
  auto priv = MustJwk(kEdPrivate, Alg::kEdDSA);
  auto pub = MustJwk(kEdPublic, Alg::kEdDSA);
  ASSERT_NE(priv, nullptr);
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(priv->can_sign());
  EXPECT_FALSE(pub->can_sign());
  // A.3: the thumbprint, which also becomes the kid when the JWK has none.
  EXPECT_EQ(pub->Thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_EQ(pub->kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_EQ(priv->kid(), pub->kid());
}

TEST(Rfc8037, A4SignsByteExact) {
  auto priv = MustJwk(kEdPrivate, Alg::kEdDSA);
  auto token = SignWithHeader(*priv, R"({"alg":"EdDSA"})", "Example of Ed25519 signing");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, kEdJws);
}

TEST(Rfc8037, A5Verifies) {
  auto pub = MustJwk(kEdPublic, Alg::kEdDSA);
  std::string_view jws = kEdJws;
  std::string sig;
  ASSERT_TRUE(Base64UrlDecode(jws.substr(jws.rfind('.') + 1), &sig));
  EXPECT_TRUE(VerifyJwsSignature(pub->impl(), jws.substr(0, jws.rfind('.')), sig));
  sig[0] ^= 1;
  EXPECT_FALSE(VerifyJwsSignature(pub->impl(), jws.substr(0, jws.rfind('.')), sig));
}

TEST(Rfc7638, Section31Thumbprint) {
  auto key = MustJwk(
      R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",)"
      R"("e":"AQAB","alg":"RS256","kid":"2011-04-29"})");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->kid(), "2011-04-29");
  EXPECT_EQ(key->Thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

}  // namespace
}  // namespace jwtd::jose
