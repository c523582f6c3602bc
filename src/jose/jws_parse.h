// Parsing steps of JWS verification shared by Verifier, Signer and DecodeUnverified: splitting
// the compact form (RFC 7515 §7.1), the protected header (§4.1) and the claims set (RFC 7519
// §4). Internal header; all functions are thread-safe (state is per call or thread_local).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/error.h"
#include "jwtd/jose/alg.h"
#include "jwtd/jose/claims.h"

namespace jwtd::jose {

struct CompactParts {
  std::string_view header, payload, signature;  // base64url text of each segment
  std::string_view signing_input;               // header '.' payload (RFC 7515 §5.1 step 5)
};

// kTokenTooLarge if longer than max_bytes (checked first: bounded work on attacker input), else
// kMalformedToken unless exactly three '.'-separated segments.
[[nodiscard]] Reason SplitCompact(std::string_view compact, std::size_t max_bytes,
                                  CompactParts* out);

// The header parameters jose acts on. The buffers are reused between parses (thread_local
// instances allocate only while warming up). jku, x5u, jwk and x5c are never read
// (RFC 8725 §2.9, §3.10: keys are never taken from the token).
struct HeaderFields {
  std::string alg, kid, typ;
  bool has_alg = false, has_kid = false, has_typ = false, has_crit = false;
};

// kBadJson / kInvalidUtf8 / kDuplicateMember on bad JSON; kUnsupportedAlg, kUnknownKid or
// kBadType when alg, kid or typ is not a string.
[[nodiscard]] Reason ParseHeader(std::string_view json, HeaderFields* out);

// Fills a Claims from a verified header and payload (src/jose/claims_parser.cc).
class ClaimsBuilder {
 public:
  // Which parser reads the payload. kAuto: the flat-object fast path (json_flat.h), and the
  // strict Boost.JSON SAX path (json_sax.h) whenever the fast path gives up. The other two
  // exist so tests and fuzz/claims_parse_fuzz.cc can compare the paths: kFastOnly returns
  // kBadJson with *used_fast false where kAuto would fall back.
  enum class Path { kAuto, kFastOnly, kStrictOnly };

  // kBadJson / kInvalidUtf8 / kDuplicateMember on bad JSON; kBadNumericDate for an exp, nbf
  // or iat that is not an integer in [0, 253402300799]; kMissingClaim for no exp or a
  // registered claim of the wrong type (ver must be a non-negative integer); kTokenTooLarge
  // for a payload of 2 GiB or more. The payload string becomes Claims::json() (moved, not
  // copied). *used_fast (optional) tells whether the fast path produced the result.
  [[nodiscard]] static Reason Build(const HeaderFields& header, Alg alg, std::string payload,
                                    Claims* out, Path path = Path::kAuto,
                                    bool* used_fast = nullptr);

  // Names of the claims that have no accessor, in token order (tests and fuzzing).
  static std::vector<std::string_view> OtherNames(const Claims& c);

 private:
  static Reason Parse(Claims* out, Path path, bool* used_fast);
  static void ResetParsed(Claims* c);
};

// The largest NumericDate jose accepts: 9999-12-31T23:59:59Z.
inline constexpr std::int64_t kMaxNumericDate = 253402300799;

}  // namespace jwtd::jose
