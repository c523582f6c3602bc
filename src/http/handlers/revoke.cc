// POST /oauth/revoke (RFC 7009): revokes an access token (its jti denied) or a refresh token
// (its family revoked). 200 also for unknown, expired and foreign tokens (RFC 7009 §2.2).
#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleRevoke(const Api& api, const Request& request) {
  auto body = ParseBody(request, BodyFormats::kJsonOrForm);
  if (!body.ok()) return BadInput(body.error());
  if (auto refused = CheckClient(api, request, *body)) return std::move(*refused);
  auto token = body->RequiredString("token");
  if (!token.ok()) return BadInput(token.error());
  auto hint = body->String("token_type_hint");
  if (!hint.ok()) return BadInput(hint.error());
  return Outcome::Later([&api, token = std::move(*token), hint = ParseHint(hint->value_or("")),
                         client = ClientOf(request)] {
    auto done = api.deps.tokens->Revoke(token, hint, client);
    // RFC 7009 §2.2.1: 503 tells the client to retry; nothing else is an error.
    if (!done.ok()) return ErrorResponse(done.error(), Surface::kGeneral);
    api.metrics->RecordRevocation(RevocationMetric::kToken);
    Response r = EmptyResponse(200);
    MarkNoStore(r);
    return r;
  });
}

}  // namespace jwtd::http
