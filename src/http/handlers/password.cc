// POST /v1/password (api.md) — the caller changes its own password. Bearer; body
// {"current_password", "new_password"} → 200 and a fresh access token for the calling session,
// which survives with the new version while every other session of the user ends (as
// logout-all with except_current). 400 invalid_request naming the field; 401
// invalid_credentials for a wrong current password, counted and limited as a failed login (429
// with Retry-After past the limit). The Argon2id verify and hash run on the worker pool.
#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleChangePassword(const Api& api, const Request& request) {
  // Bearer only: the access token is never a cookie, so a cross-site page cannot send this
  // request with the user's credentials (no CSRF check needed, as for logout-all).
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  auto body = ParseBody(request, BodyFormats::kJson);
  if (!body.ok()) return BadInput(body.error());
  auto current = body->RequiredString("current_password");
  if (!current.ok()) return BadInput(current.error());
  auto next = body->RequiredString("new_password");
  if (!next.ok()) return BadInput(next.error());
  // Checked here too so the client learns which rule it broke (the domain says only "bad").
  const auth::PasswordOptions& policy = api.deps.tokens->options().password;
  if (next->size() < policy.min_length || next->size() > policy.max_length) {
    return JsonError(400, "invalid_request",
                     "new_password: must be " + std::to_string(policy.min_length) + " to " +
                         std::to_string(policy.max_length) + " bytes");
  }
  return Outcome::Later([&api, principal = std::get<auth::Principal>(std::move(auth)),
                         current = std::move(*current), next = std::move(*next),
                         client = ClientOf(request),
                         secure = SecureCookies(api, request)]() -> Response {
    auto fresh = api.deps.tokens->ChangePassword(principal, current, next, client);
    if (!fresh.ok()) return ErrorResponse(fresh.error(), Surface::kPassword);
    api.metrics->RecordRevocation(RevocationMetric::kPassword);
    // No refresh token in the answer: a browser session keeps the one in its cookie.
    return TokenResponseOf(api, *fresh, TokenDelivery{false, secure});
  });
}

}  // namespace jwtd::http
