// The one place where jwtd::Error becomes an HTTP response (style.md "Errors map to HTTP in one
// file"). The fine Reason never reaches the client: it goes to logs and metrics. A refused
// access token is always `invalid_token`, its description and its `reason` member telling at most
// expired from revoked from invalid (api.md, RFC 6750 §3.1); a refused refresh token likewise.
//
// The same Error means different things on different surfaces (a bad refresh token is a 400
// invalid_grant at the token endpoint, RFC 6749 §5.2, but a bad access token is a 401), so
// every mapping names its surface. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.h"
#include "jwtd/error.h"

namespace jwtd::http {

enum class Surface : std::uint8_t {
  kGeneral,   // any other endpoint
  kBearer,    // access-token authentication (RFC 6750)
  kLogin,     // POST /v1/login (credentials)
  kRegister,  // POST /v1/users
  kGrant,     // POST /oauth/token: refresh failures are invalid_grant (RFC 6749 §5.2)
  kPassword,  // POST /v1/password: a wrong current password is invalid_credentials
};

struct HttpError {
  int status = 500;
  std::string code;              // the "error" member
  std::string description;       // the "error_description" member (client-safe)
  std::string www_authenticate;  // empty: no header
  std::int64_t retry_after = 0;  // seconds; 0: no header
  // The "reason" member of a refused token, for clients that must decide without parsing English
  // (api.md): "expired", "revoked" or "invalid"; empty for every other error.
  std::string reason;
};

HttpError MapError(const Error& error, Surface surface);
// Whether `reason` is one of RFC 9449's (a proof or a key binding refused).
bool IsDpopRefusal(Reason reason);
Response ToResponse(const HttpError& error);
inline Response ErrorResponse(const Error& error, Surface surface) {
  return ToResponse(MapError(error, surface));
}

// {"error": code, "error_description": description} with the given status.
Response JsonError(int status, std::string_view code, std::string_view description);
// 400 invalid_request, or 415 for a media type the endpoint does not take (errors of ParseBody
// and BodyFields, whose messages are written for clients).
Response BadInput(const Error& error);
// 401 with `WWW-Authenticate: Bearer` and no error attribute (RFC 6750 §3.1: no credentials).
Response MissingBearer();
// 401 invalid_client with `WWW-Authenticate: Basic realm="jwtd"` (RFC 6749 §5.2).
Response InvalidClient();
// 403 when the double-submit CSRF check fails (api.md).
Response CsrfFailed();

}  // namespace jwtd::http
