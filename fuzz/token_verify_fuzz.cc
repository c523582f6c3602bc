// Fuzzes token parsing and verification against a fixed key set (fuzz/keys/keys.jwks, one key
// per algorithm). Two modes, chosen by the first byte:
//  - anything not starting with '{' is a compact token: DecodeUnverified, Verify with the
//    access-token options and VerifySignature with loose options. libFuzzer mutates the valid
//    seed tokens of fuzz/corpus/token_verify_fuzz/ (one per algorithm) from there.
//  - '{...' is a claims set: it is signed with an HMAC key and then verified, so the claims
//    parser and the claims checks, which sit behind the signature check, see arbitrary bytes.
// Invariants (checked, a violation traps): a verified token decodes, its claims JSON is its
// payload byte for byte, and its alg is the one bound to the key its kid names (RFC 8725 §3.1).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_keys.h"
#include "jwtd/clock.h"
#include "jwtd/jose/decode.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace {

using jwtd::jose::Claims;
using jwtd::jose::KeySet;
using jwtd::jose::Signer;
using jwtd::jose::Verifier;
using jwtd::jose::VerifyOptions;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

struct State {
  jwtd::ManualClock clock{jwtd::fuzz::kFuzzNow};
  std::shared_ptr<const KeySet> keys = jwtd::fuzz::LoadFuzzKeys();
  std::unique_ptr<Verifier> strict, loose;
  std::unique_ptr<Signer> hmac[3];

  State() {
    VerifyOptions s;
    s.issuer = jwtd::fuzz::kFuzzIssuer;
    s.audiences = {jwtd::fuzz::kFuzzAudience};
    s.required_claims = {"sub", "jti", "sid"};
    strict = std::move(Verifier::Create(keys, s, &clock)).value();
    VerifyOptions l;
    l.typ = "";
    l.leeway_seconds = 0;
    loose = std::move(Verifier::Create(keys, l, &clock)).value();
    const char* kids[] = {"HS256", "HS384", "HS512"};
    for (int i = 0; i < 3; ++i) {
      for (const auto& k : keys->keys()) {
        if (k->kid() == kids[i]) hmac[i] = std::move(Signer::Create(k)).value();
      }
      Require(hmac[i] != nullptr);
    }
  }
};

const State& GetState() {
  static const State* state = new State();  // never destroyed: outlives every input
  return *state;
}

// The checks every successfully verified token must pass.
void CheckVerified(const State& st, std::string_view token, const Claims& c) {
  auto parts = jwtd::jose::DecodeUnverified(token);
  Require(parts.ok());
  Require(parts->payload == c.json());
  const jwtd::jose::Key* key = st.keys->Find(c.kid());
  Require(key != nullptr && key->alg() == c.alg());
}

void TokenMode(const State& st, std::string_view token) {
  (void)jwtd::jose::DecodeUnverified(token);
  auto strict = st.strict->Verify(token);
  auto sig = st.loose->VerifySignature(token);
  if (sig.ok()) {
    CheckVerified(st, token, *sig);
    (void)st.loose->ValidateClaims(*sig);
    (void)st.strict->ValidateClaims(*sig);
  }
  if (strict.ok()) {
    Require(sig.ok() && sig->json() == strict->json());
    Require(strict->exp() > jwtd::fuzz::kFuzzNow - 30);
  }
}

void ClaimsMode(const State& st, std::string_view claims) {
  const Signer& signer = *st.hmac[claims.size() % 3];
  auto token = signer.Sign(claims, claims.size() % 2 == 0 ? "at+jwt" : "");
  if (!token.ok()) return;
  auto sig = st.loose->VerifySignature(*token);
  if (sig.ok()) {
    Require(sig->json() == claims);
    Require(sig->alg() == signer.key().alg() && sig->kid() == signer.key().kid());
    CheckVerified(st, *token, *sig);
    (void)st.loose->ValidateClaims(*sig);
  }
  auto strict = st.strict->Verify(*token);
  if (strict.ok()) Require(sig.ok() && strict->json() == claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const State& st = GetState();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!in.empty() && in.front() == '{') {
    ClaimsMode(st, in);
  } else {
    TokenMode(st, in);
  }
  return 0;
}
