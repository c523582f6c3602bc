// jwtd::Error — the one error type of the library: a coarse code (Abseil's canonical set),
// a fine machine-readable Reason (for logs, metrics and the audit trail) and a log message.
//
// Clients never see the fine reason: the HTTP layer maps errors to responses in one place
// (src/http/error_mapping.cc) and tells at most "expired" from "revoked" (api.md).
// Error is a value type; it is thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace jwtd {

enum class Code : std::uint8_t {
  kOk = 0,
  kInvalidArgument,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kAlreadyExists,
  kAborted,
  kUnavailable,
  kResourceExhausted,
  kInternal,
};

// Every Reason has a one-line meaning; ReasonName() gives its stable snake_case name.
enum class Reason : std::uint8_t {
  kNone = 0,
  // --- token syntax (RFC 7515 §5.2, RFC 8725 §3.11) ---
  kTokenTooLarge,        // token longer than the configured limit; rejected before decoding
  kMalformedToken,       // not three dot-separated base64url segments
  kBadBase64,            // a segment is not strict, canonical, unpadded base64url
  kBadJson,              // header or claims are not a JSON object, or are invalid JSON
  kInvalidUtf8,          // a JSON string holds invalid UTF-8
  kDuplicateMember,      // a JSON object repeats a member name
  // --- header (RFC 7515 §4.1, RFC 8725 §3.1) ---
  kAlgNone,              // alg "none" (never verifies)
  kUnsupportedAlg,       // alg absent, unknown or unsupported
  kAlgMismatch,          // the token's alg differs from the alg bound to the key
  kUnknownKid,           // no key with the token's kid (or kid missing)
  kUnsupportedCrit,      // crit names an extension this library does not implement
  kBadType,              // typ is not the expected one (at+jwt for access tokens)
  // --- signature ---
  kBadSignature,         // the signature does not verify (includes wrong length, r/s range)
  // --- claims (RFC 7519 §4.1, RFC 9068 §2.2) ---
  kTokenExpired,         // now >= exp + leeway
  kNotYetValid,          // now < nbf - leeway
  kIssuedInFuture,       // iat > now + leeway
  kBadNumericDate,       // exp/nbf/iat not an integer in range
  kBadIssuer,            // iss differs from the expected issuer
  kBadAudience,          // aud does not contain the expected audience
  kMissingClaim,         // a required claim is absent or of the wrong type
  // --- keys (RFC 7517, RFC 7518) ---
  kBadKey,               // key material unparsable or inconsistent with its alg
  kWeakKey,              // key too short (HMAC shorter than the hash, RSA < 2048 bits)
  kKeyRevoked,           // the token's key was revoked in an emergency
  // --- session domain ---
  kBadCredentials,       // unknown user or wrong password (indistinguishable by design)
  kUserDisabled,         // the account is disabled
  kRateLimited,          // too many attempts
  kRefreshUnknown,       // refresh token not found
  kRefreshExpired,       // refresh token or session past its lifetime
  kRefreshReused,        // an already-rotated refresh token was presented (theft, RFC 9700 §4.14)
  kRefreshRevoked,       // the refresh family was revoked
  kJtiDenied,            // the access token's jti is on the denylist
  kSessionEnded,         // the access token's session (sid) was ended
  kVersionBumped,        // the access token's ver is below the user's current version
  kViewStale,            // the revocation view is behind and the store is unreachable
  kFeedBehind,           // a feed follower resumes from before the replay window: re-page
  // --- DPoP (RFC 9449) ---
  kDpopInvalid,          // the DPoP proof is malformed, badly typed or keyed, or its signature fails
  kDpopMismatch,         // the proof's htm, htu or ath does not match the request
  kDpopStale,            // the proof's iat lies outside the acceptance window
  kDpopReplayed,         // the proof's jti was accepted before, within the window
  kDpopNonce,            // the proof lacks the server nonce or carries an expired one
  kDpopBinding,          // a DPoP-bound token without a proof by its key, or a proof by another key
  // --- generic ---
  kStoreUnavailable,     // the store could not be reached or failed
  kConflict,             // a concurrent change won; retry may succeed
  kBadRequest,           // malformed request input
  kNotFound,             // the named thing does not exist
  kAlreadyExists,        // the named thing exists already
  kInternal,             // a bug or an OpenSSL failure that should not happen
};

std::string_view CodeName(Code code);
std::string_view ReasonName(Reason reason);

class Error {
 public:
  Error(Code code, Reason reason, std::string message = {})
      : code_(code), reason_(reason), message_(std::move(message)) {}

  Code code() const { return code_; }
  Reason reason() const { return reason_; }
  // For logs only: never contains a token, password or key material.
  const std::string& message() const { return message_; }
  // For kResourceExhausted: seconds until a retry may succeed (HTTP Retry-After); else 0.
  std::int64_t retry_after_seconds() const { return retry_after_seconds_; }
  Error&& WithRetryAfter(std::int64_t seconds) && {
    retry_after_seconds_ = seconds;
    return std::move(*this);
  }

 private:
  Code code_;
  Reason reason_;
  std::string message_;
  std::int64_t retry_after_seconds_ = 0;
};

}  // namespace jwtd
