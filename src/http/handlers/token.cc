// POST /oauth/token, grant_type=refresh_token (RFC 6749 §6): rotates the refresh token carried
// in the body or, after the CSRF check, in the refresh cookie (then the new one goes back in the
// cookie, with its new CSRF token). Failures are 400 invalid_grant (RFC 6749 §5.2).
#include "http/error_mapping.h"
#include "http/handlers/dpop_check.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

Response Rotate(const Api& api, const std::string& token, TokenDelivery delivery,
                const auth::ClientInfo& client) {
  auto tokens = api.deps.tokens->Refresh(token, client);
  api.metrics->RecordRefresh(tokens.ok());
  if (!tokens.ok()) {
    if (tokens.error().reason() == Reason::kRefreshReused) api.metrics->RecordReuseDetected();
    Response r = DpopErrorResponse(api, tokens.error(), Surface::kGrant);
    // A dead cookie is worthless to the browser; an outage is not its fault, and neither is a
    // refused DPoP proof: the refresh token was not spent and still works with a good proof.
    if (delivery.refresh_in_cookie && r.status == 400 && !IsDpopRefusal(tokens.error().reason())) {
      ClearAuthCookies(delivery.secure_cookies, r);
    }
    return r;
  }
  return TokenResponseOf(api, *tokens, delivery);
}

}  // namespace

Outcome HandleToken(const Api& api, const Request& request) {
  auto body = ParseBody(request, BodyFormats::kJsonOrForm);
  if (!body.ok()) return BadInput(body.error());
  auto grant = body->RequiredString("grant_type");
  if (!grant.ok()) return BadInput(grant.error());
  if (*grant != "refresh_token") {
    return ToResponse(
        {400, "unsupported_grant_type", "only grant_type=refresh_token is supported", {}, 0});
  }
  auto token = body->String("refresh_token");
  if (!token.ok()) return BadInput(token.error());
  bool from_cookie = false;
  std::string refresh;
  if (token->has_value() && !(*token)->empty()) {
    refresh = std::move(**token);
  } else {
    auto cookie = CookieRefreshToken(api, request);
    if (auto* response = std::get_if<Response>(&cookie)) return std::move(*response);
    if (std::holds_alternative<std::nullopt_t>(cookie)) {
      return JsonError(400, "invalid_request", "missing field 'refresh_token'");
    }
    refresh = std::move(std::get<std::string>(cookie));
    from_cookie = true;
  }
  // A bound session's refresh needs a proof by its key (RFC 9449 §5; refresh_rotation.cc).
  auto proof = TokenRequestProof(api, request, Surface::kGrant);
  if (auto* refused = std::get_if<Response>(&proof)) return std::move(*refused);
  auth::ClientInfo client = ClientOf(request);
  client.dpop_jkt = std::get<std::string>(std::move(proof));
  return Outcome::Later(
      [&api, refresh = std::move(refresh),
       delivery = TokenDelivery{from_cookie, SecureCookies(api, request)},
       client = std::move(client)] { return Rotate(api, refresh, delivery, client); });
}

}  // namespace jwtd::http
