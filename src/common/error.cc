#include "jwtd/error.h"

namespace jwtd {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kUnauthenticated: return "UNAUTHENTICATED";
    case Code::kPermissionDenied: return "PERMISSION_DENIED";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kAlreadyExists: return "ALREADY_EXISTS";
    case Code::kAborted: return "ABORTED";
    case Code::kUnavailable: return "UNAVAILABLE";
    case Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Code::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "none";
    case Reason::kTokenTooLarge: return "token_too_large";
    case Reason::kMalformedToken: return "malformed_token";
    case Reason::kBadBase64: return "bad_base64";
    case Reason::kBadJson: return "bad_json";
    case Reason::kInvalidUtf8: return "invalid_utf8";
    case Reason::kDuplicateMember: return "duplicate_member";
    case Reason::kAlgNone: return "alg_none";
    case Reason::kUnsupportedAlg: return "unsupported_alg";
    case Reason::kAlgMismatch: return "alg_mismatch";
    case Reason::kUnknownKid: return "unknown_kid";
    case Reason::kUnsupportedCrit: return "unsupported_crit";
    case Reason::kBadType: return "bad_type";
    case Reason::kBadSignature: return "bad_signature";
    case Reason::kTokenExpired: return "token_expired";
    case Reason::kNotYetValid: return "not_yet_valid";
    case Reason::kIssuedInFuture: return "issued_in_future";
    case Reason::kBadNumericDate: return "bad_numeric_date";
    case Reason::kBadIssuer: return "bad_issuer";
    case Reason::kBadAudience: return "bad_audience";
    case Reason::kMissingClaim: return "missing_claim";
    case Reason::kBadKey: return "bad_key";
    case Reason::kWeakKey: return "weak_key";
    case Reason::kKeyRevoked: return "key_revoked";
    case Reason::kBadCredentials: return "bad_credentials";
    case Reason::kUserDisabled: return "user_disabled";
    case Reason::kRateLimited: return "rate_limited";
    case Reason::kRefreshUnknown: return "refresh_unknown";
    case Reason::kRefreshExpired: return "refresh_expired";
    case Reason::kRefreshReused: return "refresh_reused";
    case Reason::kRefreshRevoked: return "refresh_revoked";
    case Reason::kJtiDenied: return "jti_denied";
    case Reason::kSessionEnded: return "session_ended";
    case Reason::kVersionBumped: return "version_bumped";
    case Reason::kViewStale: return "view_stale";
    case Reason::kFeedBehind: return "feed_behind";
    case Reason::kDpopInvalid: return "dpop_invalid";
    case Reason::kDpopMismatch: return "dpop_mismatch";
    case Reason::kDpopStale: return "dpop_stale";
    case Reason::kDpopReplayed: return "dpop_replayed";
    case Reason::kDpopNonce: return "dpop_nonce";
    case Reason::kDpopBinding: return "dpop_binding";
    case Reason::kStoreUnavailable: return "store_unavailable";
    case Reason::kConflict: return "conflict";
    case Reason::kBadRequest: return "bad_request";
    case Reason::kNotFound: return "not_found";
    case Reason::kAlreadyExists: return "already_exists";
    case Reason::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace jwtd
