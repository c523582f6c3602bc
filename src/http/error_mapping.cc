#include "http/error_mapping.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/body.h"

namespace jwtd::http {
namespace {

constexpr std::string_view kInvalidTokenChallenge = "Bearer error=\"invalid_token\"";

bool IsRevocation(Reason r) {
  return r == Reason::kJtiDenied || r == Reason::kSessionEnded || r == Reason::kVersionBumped ||
         r == Reason::kKeyRevoked;
}

bool IsRefreshFailure(Reason r) {
  return r == Reason::kRefreshUnknown || r == Reason::kRefreshExpired ||
         r == Reason::kRefreshReused || r == Reason::kRefreshRevoked;
}

// RFC 6750 §3.1: any refused access token is invalid_token; the description tells expired
// from revoked only (api.md), never which signature, key or claim check failed.
HttpError BearerRefusal(Reason r) {
  HttpError e{401, "invalid_token", "invalid token", std::string(kInvalidTokenChallenge),
              0,   "invalid"};
  if (r == Reason::kTokenExpired) e.description = "token expired", e.reason = "expired";
  if (IsRevocation(r)) e.description = "token revoked", e.reason = "revoked";
  return e;
}

// RFC 6749 §5.2: a refresh token that is invalid, expired or revoked is invalid_grant. A reused
// token's family has just been revoked (RFC 9700 §4.14), so it reads as revoked.
HttpError GrantRefusal(Reason r) {
  HttpError e{400, "invalid_grant", "invalid refresh token", {}, 0, "invalid"};
  if (r == Reason::kRefreshExpired) e.description = "refresh token expired", e.reason = "expired";
  if (r == Reason::kRefreshRevoked || r == Reason::kRefreshReused) {
    e.description = "refresh token revoked", e.reason = "revoked";
  }
  return e;
}

// RFC 9449 §7.1 (resource requests: 401 with a DPoP challenge) and §5 (login and refresh: 400).
// A missing or expired server nonce is use_dpop_nonce (§8, §9), the caller adds DPoP-Nonce; the
// binding (a bound token sent as bearer, a proof by a key the token is not bound to, a bearer
// token under DPoP) is about the token (invalid_token); a missing or wrong proof is
// invalid_dpop_proof. Which check failed stays in the logs.
HttpError DpopRefusal(Reason r, Surface surface) {
  const bool resource = surface == Surface::kBearer || surface == Surface::kPassword;
  const char* code = r == Reason::kDpopNonce                 ? "use_dpop_nonce"
                     : r == Reason::kDpopBinding && resource ? "invalid_token"
                                                             : "invalid_dpop_proof";
  const char* description = r == Reason::kDpopNonce     ? "a DPoP nonce is required"
                            : r == Reason::kDpopBinding ? "the token is bound to another DPoP key"
                                                        : "invalid DPoP proof";
  if (!resource) return {400, code, description, {}, 0, "invalid"};
  return {401, code, description, "DPoP error=\"" + std::string(code) + "\"", 0, "invalid"};
}

HttpError Unauthenticated(const Error& e, Surface surface) {
  if (IsDpopRefusal(e.reason())) return DpopRefusal(e.reason(), surface);
  switch (surface) {
    case Surface::kBearer:
      return BearerRefusal(e.reason());
    case Surface::kGrant:
      return GrantRefusal(e.reason());
    case Surface::kLogin:
      // Unknown user, wrong password and disabled account read alike (api.md: identical body).
      return {401, "invalid_credentials", "invalid username or password", {}, 0};
    case Surface::kPassword:
      // A refused current password, as a refused login; anything else is about the token.
      if (e.reason() == Reason::kBadCredentials) {
        return {401, "invalid_credentials", "current_password is wrong", {}, 0};
      }
      return BearerRefusal(e.reason());
    default:
      break;
  }
  if (IsRefreshFailure(e.reason())) return GrantRefusal(e.reason());
  return BearerRefusal(e.reason());
}

HttpError InvalidArgument(const Error& e, Surface surface) {
  switch (surface) {
    case Surface::kRegister:
      return {400, "invalid_request", "username or password not acceptable", {}, 0};
    case Surface::kBearer:
      return BearerRefusal(e.reason());  // e.g. a token too large to parse
    case Surface::kGrant:
      return GrantRefusal(e.reason());  // a malformed refresh token
    case Surface::kPassword:
      return {400, "invalid_request", "new_password: not acceptable", {}, 0};
    default:
      return {400, "invalid_request", "invalid request", {}, 0};
  }
}

}  // namespace

bool IsDpopRefusal(Reason r) {
  return r == Reason::kDpopInvalid || r == Reason::kDpopMismatch || r == Reason::kDpopStale ||
         r == Reason::kDpopReplayed || r == Reason::kDpopNonce || r == Reason::kDpopBinding;
}

HttpError MapError(const Error& e, Surface surface) {
  switch (e.code()) {
    case Code::kOk:
    case Code::kInternal:
      return {500, "server_error", "internal error", {}, 0};
    case Code::kUnauthenticated:
      return Unauthenticated(e, surface);
    case Code::kInvalidArgument:
      return InvalidArgument(e, surface);
    case Code::kPermissionDenied:
      if (surface == Surface::kRegister) {
        return {403, "registration_disabled", "registration is disabled", {}, 0};
      }
      if (surface == Surface::kLogin) {
        return {401, "invalid_credentials", "invalid username or password", {}, 0};
      }
      return {403, "forbidden", "not allowed", {}, 0};
    case Code::kNotFound:
      return {404, "not_found", "not found", {}, 0};
    case Code::kAlreadyExists:
      if (surface == Surface::kRegister) {
        return {409, "username_taken", "username is already taken", {}, 0};
      }
      return {409, "conflict", "already exists", {}, 0};
    case Code::kAborted:
      return {409, "conflict", "a concurrent change won; retry", {}, 0};
    case Code::kResourceExhausted: {
      const std::int64_t after = e.retry_after_seconds() > 0 ? e.retry_after_seconds() : 1;
      return {429, "rate_limited", "too many attempts; retry later", {}, after};
    }
    case Code::kUnavailable:
      return {503, "temporarily_unavailable", "service temporarily unavailable", {}, 1};
  }
  return {500, "server_error", "internal error", {}, 0};
}

Response JsonError(int status, std::string_view code, std::string_view description) {
  boost::json::object o;
  o["error"] = code;
  o["error_description"] = description;
  return JsonResponse(status, boost::json::serialize(o));
}

Response ToResponse(const HttpError& error) {
  Response r = JsonError(error.status, error.code, error.description);
  if (!error.reason.empty()) {
    boost::json::object o;
    o["error"] = error.code;
    o["error_description"] = error.description;
    o["reason"] = error.reason;
    r.body = boost::json::serialize(o);
  }
  if (!error.www_authenticate.empty()) r.With("WWW-Authenticate", error.www_authenticate);
  if (error.retry_after > 0) r.With("Retry-After", std::to_string(error.retry_after));
  // Errors of the token endpoint must not be cached either (RFC 6749 §5.2 refers to §5.1).
  MarkNoStore(r);
  return r;
}

Response BadInput(const Error& error) {
  if (IsUnsupportedMediaType(error))
    return JsonError(415, "unsupported_media_type", error.message());
  if (error.code() != Code::kInvalidArgument) return ErrorResponse(error, Surface::kGeneral);
  return JsonError(400, "invalid_request", error.message());
}

Response MissingBearer() {
  Response r = JsonError(401, "unauthorized", "missing access token");
  r.With("WWW-Authenticate", "Bearer");
  return r;
}

Response InvalidClient() {
  Response r = JsonError(401, "invalid_client", "client authentication failed");
  r.With("WWW-Authenticate", "Basic realm=\"jwtd\"");
  return r;
}

Response CsrfFailed() {
  return JsonError(403, "csrf_check_failed",
                   "X-CSRF-Token header must match the CSRF cookie issued with the refresh cookie");
}

}  // namespace jwtd::http
