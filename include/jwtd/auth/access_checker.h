// jwtd::auth::AccessChecker — the one answer to "may this access token be used now?", the same
// in jwtd's server, in a C++ resource server (examples/resource_server) and in the conformance
// vectors (tests/vectors) that every SDK must pass (docs/verifying.md):
//   1. size limit, then the signature (skipped on a verified-token cache hit whose key is still
//      in the verifier's key set);
//   2. the claims on every use: exp/nbf/iat with leeway, iss, aud, typ "at+jwt";
//   3. the lifetime cap: exp - iat must not exceed max_lifetime_seconds (jwtd's access_ttl),
//      since revocation entries live only that long past a revocation (a longer-lived token
//      would outlive its own logout); such a token reads as expired;
//   4. the view is trusted (RevocationSync::EnsureFresh: kCheck catches up first, kRefuse
//      refuses with kUnavailable/kViewStale — never a stale accept);
//   5. the revocation view: jti denied, session ended, ver below the user's minimum, key revoked.
//
// Thread-safety: Check/Authenticate are called from every request thread; no I/O on the fresh
// path (only a stale view in kCheck mode reads the log).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/auth/verifier_source.h"
#include "jwtd/clock.h"
#include "jwtd/jose/claims.h"
#include "jwtd/result.h"

namespace jwtd::auth {

// The caller of an authenticated request, from a verified, unrevoked access token.
struct Principal {
  std::int64_t user_id = 0;
  std::string sid;
  std::string jti;
  std::int64_t ver = 0;
  std::int64_t exp = 0;
  std::string scope;
  // cnf.jkt (RFC 9449 §6.1): the thumbprint of the key the token is bound to; empty for a
  // bearer token. A bound token is only good with a DPoP proof by that key.
  std::string jkt;
};

struct AccessCheckOptions {
  // exp - iat above this is refused (kTokenExpired). jwtd: tokens.access_ttl.
  std::int64_t max_lifetime_seconds = 15 * 60;
  std::size_t verified_cache_entries = 100'000;  // 0: no cache
};

class AccessChecker {
 public:
  virtual ~AccessChecker() = default;

  // `keys`, `view`, `sync` (the view's) and `clock` must outlive the checker.
  // kInvalidArgument for null pointers or max_lifetime_seconds <= 0.
  static Result<std::unique_ptr<AccessChecker>> Create(AccessCheckOptions options,
                                                       const VerifierSource* keys,
                                                       const RevocationView* view,
                                                       RevocationSync* sync, const Clock* clock);

  // The token's claims when it may be used now. kUnauthenticated with the precise reason
  // (kTokenExpired, kBadSignature, kJtiDenied, kSessionEnded, kVersionBumped, kKeyRevoked, ...);
  // kUnavailable/kViewStale when the revocation view cannot be trusted.
  virtual Result<std::shared_ptr<const jose::Claims>> Check(std::string_view token) const = 0;
  // Check, plus the claims jwtd's own access tokens always carry: sub (a user id), sid, jti,
  // ver (kUnauthenticated/kMissingClaim otherwise).
  virtual Result<Principal> Authenticate(std::string_view token) const = 0;
};

}  // namespace jwtd::auth
