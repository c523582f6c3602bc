// Shared helpers for the jose tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/key.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace jwtd::jose::testing {

inline constexpr std::int64_t kNow = 1'700'000'000;

inline std::shared_ptr<const Key> MustGenerate(Alg alg, std::string kid = {}) {
  auto key = Key::Generate(alg, std::move(kid));
  EXPECT_TRUE(key.ok()) << AlgName(alg);
  return std::shared_ptr<const Key>(std::move(*key));
}

inline std::shared_ptr<const Key> MustJwk(std::string_view jwk,
                                          std::optional<Alg> alg = std::nullopt) {
  auto key = Key::FromJwk(jwk, alg);
  EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().message());
  return key.ok() ? std::shared_ptr<const Key>(std::move(*key)) : nullptr;
}

inline std::shared_ptr<const KeySet> SetOf(std::vector<std::shared_ptr<const Key>> keys) {
  auto set = KeySet::Of(std::move(keys));
  EXPECT_TRUE(set.ok());
  return *set;
}

// Claims valid at kNow: iss, aud, exp in 10 minutes, iat now.
inline std::string GoodClaims() {
  return R"({"iss":"https://issuer.test","sub":"user-1","aud":"api","exp":)" +
         std::to_string(kNow + 600) + R"(,"iat":)" + std::to_string(kNow) + R"(,"nbf":)" +
         std::to_string(kNow) + R"(,"jti":"j1","sid":"s1","ver":3})";
}

// A header with alg and kid of `key` plus extra members (`extra` starts with ',').
inline std::string HeaderFor(const Key& key, std::string_view extra = "") {
  // Built by appending: GCC 12 reports a false -Wrestrict on "literal" + std::string&&.
  std::string h = R"({"alg":")";
  h.append(AlgName(key.alg())).append(R"(","typ":"at+jwt","kid":")").append(key.kid());
  h.append("\"").append(extra).append("}");
  return h;
}

inline std::string MustSign(const Key& key, std::string_view header, std::string_view payload) {
  auto token = SignWithHeader(key, header, payload);
  EXPECT_TRUE(token.ok()) << (token.ok() ? "" : token.error().message());
  return token.ok() ? *token : std::string();
}

// A token from raw (unencoded) parts, no signing: for syntax tests.
inline std::string RawToken(std::string_view header, std::string_view payload,
                            std::string_view sig) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." + Base64UrlEncode(sig);
}

inline std::string SigBytes(std::string_view token) {
  std::string sig;
  EXPECT_TRUE(Base64UrlDecode(token.substr(token.rfind('.') + 1), &sig));
  return sig;
}

inline std::string WithSig(std::string_view token, std::string_view sig) {
  return std::string(token.substr(0, token.rfind('.') + 1)) + Base64UrlEncode(sig);
}

struct VerifierFixture {
  ManualClock clock{kNow};
  VerifyOptions options;
  VerifierFixture() {
    options.issuer = "https://issuer.test";
    options.audiences = {"api"};
  }
  std::unique_ptr<Verifier> Make(std::shared_ptr<const KeySet> keys) {
    auto v = Verifier::Create(std::move(keys), options, &clock);
    EXPECT_TRUE(v.ok());
    return std::move(*v);
  }
};

inline Reason ReasonOf(const Result<Claims>& r) {
  return r.ok() ? Reason::kNone : r.error().reason();
}

}  // namespace jwtd::jose::testing
