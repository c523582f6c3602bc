// POST /v1/login (api.md): a token response; with "cookie": true the refresh token goes in the
// refresh cookie, with the CSRF cookie bound to it, instead of the body. 401 invalid_credentials
// for an unknown user and a wrong password alike; 429 with Retry-After when rate-limited. With a
// DPoP proof (RFC 9449 §5) the session is bound to its key: token_type DPoP, cnf.jkt.
#include "http/error_mapping.h"
#include "http/handlers/dpop_check.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleLogin(const Api& api, const Request& request) {
  auto body = ParseBody(request, BodyFormats::kJson);
  if (!body.ok()) return BadInput(body.error());
  auto username = body->RequiredString("username");
  if (!username.ok()) return BadInput(username.error());
  auto password = body->RequiredString("password");
  if (!password.ok()) return BadInput(password.error());
  auto cookie = body->Bool("cookie");
  if (!cookie.ok()) return BadInput(cookie.error());
  auto scope = body->String("scope");
  if (!scope.ok()) return BadInput(scope.error());
  auto proof = TokenRequestProof(api, request, Surface::kLogin);
  if (auto* refused = std::get_if<Response>(&proof)) return std::move(*refused);
  auth::ClientInfo client = ClientOf(request);
  client.dpop_jkt = std::get<std::string>(std::move(proof));  // binds the session when set
  TokenDelivery delivery{cookie->value_or(false), SecureCookies(api, request)};
  return Outcome::Later([&api, user = std::move(*username), pass = std::move(*password),
                         scope = scope->value_or(""), delivery,
                         client = std::move(client)]() -> Response {
    auto tokens = api.deps.tokens->Login(user, pass, scope, client);
    if (!tokens.ok()) {
      const bool limited = tokens.error().code() == Code::kResourceExhausted;
      api.metrics->RecordLogin(limited ? LoginResult::kLimited : LoginResult::kFailed);
      return ErrorResponse(tokens.error(), Surface::kLogin);
    }
    api.metrics->RecordLogin(LoginResult::kOk);
    return TokenResponseOf(api, *tokens, delivery);
  });
}

}  // namespace jwtd::http
