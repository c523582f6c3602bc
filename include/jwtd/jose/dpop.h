// DPoP proofs (RFC 9449): the proof JWT a client sends in the `DPoP` header to show it holds
// the private key a token is bound to, and the checks of RFC 9449 §4.3 that need no state.
//
// What this layer checks (pure, no I/O): syntax and size; `typ` dpop+jwt; `alg` one of the
// allowed asymmetric algorithms (never `none`, never HS*); `jwk` a public key of that alg with
// no private members (§4.2, §4.3 step 7); the signature under that `jwk`; `htm` and `htu`
// against the request (§4.3 steps 8-9, `htu` compared without query and fragment after
// RFC 3986 §6.2.2-6.2.3 normalisation); `iat` inside [now - window, now + skew] (§4.3 step 11,
// §11.1); a `jti`; and `ath` = base64url(SHA-256(access token)) when an access token comes with
// the proof (§4.3 step 12, §7.1). Replay of a `jti` (§11.1) and server nonces (§8, §9) need
// state: the caller checks them with what VerifyDpopProof returns.
//
// Thread-safe: pure functions over their arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/alg.h"
#include "jwtd/jose/claims.h"
#include "jwtd/jose/key.h"
#include "jwtd/result.h"

namespace jwtd::jose {

// The request the proof must match.
struct DpopRequest {
  std::string_view method;  // htm: the HTTP method, compared exactly (RFC 9110 §9.1)
  std::string_view uri;     // htu: the absolute target URI; its query and fragment are ignored
  // The access token presented with the proof (Authorization: DPoP <token>); when set, the
  // proof must carry a matching `ath`. Empty for login and refresh, which carry no token.
  std::string_view access_token;
};

struct DpopOptions {
  // Algorithms a proof may use; asymmetric only (Create-time checks live in the caller's
  // config validation; an HS* or unknown entry here simply never matches a public jwk).
  std::vector<Alg> algs = {Alg::kES256, Alg::kEdDSA};
  std::int64_t window_seconds = 60;  // a proof older than this is stale (§11.1)
  std::int64_t skew_seconds = 5;     // a proof this far in the future is still accepted
  std::size_t max_proof_bytes = 4096;
};

// What a valid proof tells the caller.
struct DpopProof {
  std::string jkt;  // RFC 7638 thumbprint of the proof's jwk (base64url SHA-256): cnf.jkt
  std::string jti;  // the proof's unique id, for the replay check (§11.1)
  std::int64_t iat = 0;
  std::optional<std::string> nonce;  // the proof's `nonce` claim, for the caller's check (§8)
};

// Verifies `proof` against `request` at `clock`'s now. Errors are kUnauthenticated with
// reason kDpopInvalid (syntax, typ, alg, jwk, signature, missing claims), kDpopMismatch (htm,
// htu or ath do not match the request) or kDpopStale (iat outside the window); the message
// names the failed check for logs and never holds key material or the token.
[[nodiscard]] Result<DpopProof> VerifyDpopProof(std::string_view proof, const DpopRequest& request,
                                                const DpopOptions& options, const Clock& clock);

// The htu form two URIs are compared in (RFC 9449 §4.3 step 9): scheme and host in lower
// case, the scheme's default port dropped, an empty path as "/", percent-encodings of
// unreserved characters decoded and the others' hex digits in upper case, query and fragment
// removed. nullopt when `uri` is not an absolute http(s) URI.
std::optional<std::string> NormalizeHtu(std::string_view uri);

// The key a verified token is bound to: its cnf.jkt (RFC 9449 §6.1); "" when it has no cnf.
// kUnauthenticated/kMissingClaim when cnf is there but holds no jkt string (another
// confirmation method, e.g. mTLS x5t#S256, that this verifier cannot check: never treat such a
// token as a bearer token).
Result<std::string> BoundThumbprint(const Claims& claims);

// base64url(SHA-256(access_token)): the `ath` claim (RFC 9449 §4.2).
std::string AccessTokenHash(std::string_view access_token);

// A proof signed by `key` (a private key of an allowed alg) for a client: its public JWK goes
// in the header. `jti` must be unique per proof; `ath_token` and `nonce` are left out when
// empty. For tests, tooling and C++ clients. kInvalidArgument if the key cannot sign or is
// symmetric.
Result<std::string> SignDpopProof(const Key& key, std::string_view method, std::string_view uri,
                                  std::int64_t iat, std::string_view jti,
                                  std::string_view ath_token = {}, std::string_view nonce = {});

}  // namespace jwtd::jose
