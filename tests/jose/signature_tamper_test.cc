// For every algorithm: Generate + Sign + Verify, then flip every bit of the signature, truncate
// and extend it, and assert every variant fails (jwt_verify_lib's habit, style.md).
#include <gtest/gtest.h>

#include "test_util.h"

namespace jwtd::jose {
namespace {

using testing::kNow;

class EveryAlg : public ::testing::TestWithParam<Alg> {};

TEST_P(EveryAlg, GenerateSignVerify) {
  auto key = testing::MustGenerate(GetParam(), "k1");
  auto signer = Signer::Create(key);
  ASSERT_TRUE(signer.ok());
  auto token = (*signer)->Sign(testing::GoodClaims());
  ASSERT_TRUE(token.ok());
  testing::VerifierFixture f;
  auto verifier = f.Make(testing::SetOf({key}));
  auto claims = verifier->Verify(*token);
  ASSERT_TRUE(claims.ok()) << ReasonName(claims.error().reason());
  EXPECT_EQ(claims->alg(), GetParam());
  EXPECT_EQ(claims->kid(), "k1");
  EXPECT_EQ(claims->typ(), "at+jwt");
  EXPECT_EQ(claims->sub(), "user-1");
  EXPECT_EQ(claims->sid(), "s1");
  EXPECT_EQ(claims->jti(), "j1");
  EXPECT_EQ(claims->ver(), 3);
  EXPECT_EQ(claims->exp(), kNow + 600);
  ASSERT_EQ(claims->aud().size(), 1u);
  EXPECT_EQ(claims->aud()[0], "api");
  // The public half alone verifies too (except HMAC, which has none).
  if (!IsSymmetric(GetParam())) {
    auto pub = key->PublicKey();
    ASSERT_TRUE(pub.ok());
    EXPECT_FALSE((*pub)->can_sign());
    auto v2 = f.Make(testing::SetOf({std::shared_ptr<const Key>(std::move(*pub))}));
    EXPECT_TRUE(v2->Verify(*token).ok());
  }
}

TEST_P(EveryAlg, EveryBitFlipTruncationAndExtensionFails) {
  auto key = testing::MustGenerate(GetParam(), "k1");
  std::string token = testing::MustSign(*key, testing::HeaderFor(*key), testing::GoodClaims());
  testing::VerifierFixture f;
  auto verifier = f.Make(testing::SetOf({key}));
  ASSERT_TRUE(verifier->Verify(token).ok());
  const std::string sig = testing::SigBytes(token);
  for (std::size_t bit = 0; bit < sig.size() * 8; ++bit) {
    std::string bad = sig;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_EQ(testing::ReasonOf(verifier->Verify(testing::WithSig(token, bad))),
              Reason::kBadSignature)
        << "bit " << bit;
  }
  for (std::size_t len = 0; len < sig.size(); ++len) {
    EXPECT_EQ(testing::ReasonOf(verifier->Verify(testing::WithSig(token, sig.substr(0, len)))),
              Reason::kBadSignature)
        << "length " << len;
  }
  EXPECT_FALSE(verifier->Verify(testing::WithSig(token, sig + '\0')).ok());
  EXPECT_FALSE(verifier->Verify(testing::WithSig(token, '\0' + sig)).ok());
}

TEST_P(EveryAlg, TamperedHeaderOrPayloadFails) {
  auto key = testing::MustGenerate(GetParam(), "k1");
  std::string token = testing::MustSign(*key, testing::HeaderFor(*key), testing::GoodClaims());
  testing::VerifierFixture f;
  auto verifier = f.Make(testing::SetOf({key}));
  std::string other = testing::GoodClaims();
  other.replace(other.find("user-1"), 6, "user-2");
  std::string swapped = token.substr(0, token.find('.') + 1) + Base64UrlEncode(other) +
                        token.substr(token.rfind('.'));
  EXPECT_EQ(testing::ReasonOf(verifier->Verify(swapped)), Reason::kBadSignature);
}

INSTANTIATE_TEST_SUITE_P(Jose, EveryAlg, ::testing::ValuesIn(kAllAlgs), [](const auto& param_info) {
  return std::string(AlgName(param_info.param));
});

}  // namespace
}  // namespace jwtd::jose
