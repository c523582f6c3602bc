// Differential fuzzing of the claims parser: the flat-object fast path (src/jose/json_flat.h)
// against the strict Boost.JSON SAX path (json_sax.h) on arbitrary payload bytes.
// Invariants (checked, a violation traps):
//  - wherever the fast path gives a result, the strict path gives the same verdict (accept,
//    or the same Reason such as a missing exp) and the same claims: every accessor, the names
//    of the other claims and Has() for each of them;
//  - the default path (fast, then strict when the fast path gives up) always agrees with the
//    strict path alone.
// Seeds in fuzz/corpus/claims_parse_fuzz/ (access-token claims and near misses).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jose/jws_parse.h"
#include "jwtd/jose/claims.h"

namespace {

using jwtd::Reason;
using jwtd::jose::Alg;
using jwtd::jose::Claims;
using jwtd::jose::ClaimsBuilder;
using jwtd::jose::HeaderFields;
using Path = ClaimsBuilder::Path;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

void RequireSameClaims(const Claims& a, const Claims& b) {
  Require(a.json() == b.json());
  Require(a.alg() == b.alg() && a.kid() == b.kid() && a.typ() == b.typ());
  Require(a.iss() == b.iss() && a.sub() == b.sub() && a.jti() == b.jti());
  Require(a.sid() == b.sid() && a.scope() == b.scope());
  Require(a.exp() == b.exp() && a.nbf() == b.nbf() && a.iat() == b.iat() && a.ver() == b.ver());
  Require(a.aud().size() == b.aud().size());
  for (std::size_t i = 0; i < a.aud().size(); ++i) Require(a.aud()[i] == b.aud()[i]);
  std::vector<std::string_view> names = ClaimsBuilder::OtherNames(a);
  Require(names == ClaimsBuilder::OtherNames(b));
  for (std::string_view n : names) Require(a.Has(n) && b.Has(n));
  for (std::string_view n :
       {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid", "ver", "scope", "other"}) {
    Require(a.Has(n) == b.Has(n));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string payload(reinterpret_cast<const char*>(data), size);
  HeaderFields header;
  header.kid = "k1";
  header.typ = "at+jwt";
  Claims strict, fast, automatic;
  Reason rs = ClaimsBuilder::Build(header, Alg::kHS256, payload, &strict, Path::kStrictOnly);
  bool used_fast = false;
  Reason rf =
      ClaimsBuilder::Build(header, Alg::kHS256, payload, &fast, Path::kFastOnly, &used_fast);
  if (used_fast) {
    Require(rf == rs);
    RequireSameClaims(fast, strict);
  } else {
    Require(rf == Reason::kBadJson);
  }
  Reason ra = ClaimsBuilder::Build(header, Alg::kHS256, payload, &automatic, Path::kAuto);
  Require(ra == rs);
  if (ra == Reason::kNone) RequireSameClaims(automatic, strict);
  return 0;
}
