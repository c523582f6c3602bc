// jwtd::jose::Verifier — verifies JWS compact tokens (RFC 7515 §5.2) and validates their
// claims per RFC 8725 and, for access tokens, RFC 9068 §4.
//
// Order of checks (cheap, attacker-independent ones first): size limit before any decoding;
// strict base64url; header JSON (no duplicate members, valid UTF-8); alg not "none" and known;
// crit only with implemented extensions (none are: any crit rejects, RFC 7515 §4.1.11);
// jku/x5u/jwk/x5c are ignored, never fetched or trusted; key by kid; token alg == key alg;
// signature; claims JSON; claims checks.
//
// Thread-safe: one Verifier serves all threads. Verify() allocates only the Claims it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/claims.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/result.h"

namespace jwtd::jose {

struct VerifyOptions {
  std::string issuer;                  // exact match required; empty: not checked
  std::vector<std::string> audiences;  // aud must contain one of these; empty: not checked
  // Expected typ header, compared case-insensitively, "application/" prefix optional
  // (RFC 7515 §4.1.9). Empty: not checked. Access tokens use "at+jwt" (RFC 9068 §2.1).
  std::string typ = "at+jwt";
  std::int64_t leeway_seconds = 30;     // for exp, nbf, iat
  std::size_t max_token_bytes = 8192;   // checked before any decoding work
  std::vector<std::string> required_claims;  // beyond exp, which is always required
};

class Verifier {
 public:
  virtual ~Verifier() = default;

  // kInvalidArgument if `keys` is null or `clock` is null. `clock` must outlive the verifier.
  static Result<std::unique_ptr<Verifier>> Create(std::shared_ptr<const KeySet> keys,
                                                  VerifyOptions options, const Clock* clock);

  // Signature and claims: VerifySignature followed by ValidateClaims at the clock's now.
  virtual Result<Claims> Verify(std::string_view compact) const = 0;
  // Syntax, header, key and signature checks, and claims parsing (NumericDate types, duplicate
  // members); no time, iss, aud or required-claim checks. For callers that cache the result
  // (the verified-token cache) and run ValidateClaims on every use.
  virtual Result<Claims> VerifySignature(std::string_view compact) const = 0;
  // Time (exp, nbf, iat with leeway), iss, aud, typ and required-claim checks.
  virtual Result<void> ValidateClaims(const Claims& claims) const = 0;

  virtual const VerifyOptions& options() const = 0;
  virtual const KeySet& keys() const = 0;
};

}  // namespace jwtd::jose
