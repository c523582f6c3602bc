// POST /oauth/introspect (RFC 7662): {"active": true, ...} for a live token; {"active": false}
// and nothing more for anything else (revoked, expired, foreign, malformed) (RFC 7662 §2.2).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "jwtd/jose/dpop.h"

namespace jwtd::http {
namespace {

void AddAccessClaims(const jose::Claims& c, boost::json::object& o) {
  if (!c.iss().empty()) o["iss"] = c.iss();
  if (!c.jti().empty()) o["jti"] = c.jti();
  if (!c.aud().empty()) {
    boost::json::array aud;
    for (const auto& a : c.aud()) aud.emplace_back(a);
    o["aud"] = std::move(aud);
  }
  if (c.nbf()) o["nbf"] = *c.nbf();
  if (c.ver()) o["ver"] = *c.ver();
  if (!c.sub().empty()) o["sub"] = c.sub();
  // RFC 9449 §6.2: a bound token's key, so a resource server can check the proof itself.
  if (auto jkt = jose::BoundThumbprint(c); jkt.ok() && !jkt->empty()) {
    o["cnf"] = boost::json::object{{"jkt", *jkt}};
  }
}

std::string IntrospectionJson(const auth::Introspection& in) {
  boost::json::object o;
  o["active"] = true;
  o["token_type"] = in.token_type;
  o["sub"] = std::to_string(in.user_id);
  if (!in.username.empty()) o["username"] = in.username;
  if (!in.sid.empty()) o["sid"] = in.sid;
  if (!in.scope.empty()) o["scope"] = in.scope;
  if (in.exp != 0) o["exp"] = in.exp;
  if (in.iat != 0) o["iat"] = in.iat;
  if (in.claims) AddAccessClaims(*in.claims, o);
  return boost::json::serialize(o);
}

Response Inactive() { return JsonResponse(200, R"({"active":false})"); }

}  // namespace

Outcome HandleIntrospect(const Api& api, const Request& request) {
  auto body = ParseBody(request, BodyFormats::kJsonOrForm);
  if (!body.ok()) return BadInput(body.error());
  if (auto refused = CheckClient(api, request, *body)) return std::move(*refused);
  auto token = body->RequiredString("token");
  if (!token.ok()) return BadInput(token.error());
  auto hint = body->String("token_type_hint");
  if (!hint.ok()) return BadInput(hint.error());
  const auth::TokenHint parsed = ParseHint(hint->value_or(""));
  // Most access tokens are answered here, on the I/O thread, without the store.
  if (auto known = api.deps.tokens->IntrospectWithoutStore(*token, parsed)) {
    Response r = known->active ? JsonResponse(200, IntrospectionJson(*known)) : Inactive();
    MarkNoStore(r);
    return r;
  }
  return Outcome::Later([&api, token = std::move(*token), hint = parsed] {
    auto result = api.deps.tokens->Introspect(token, hint);
    Response r = Inactive();
    if (!result.ok()) {
      // An outage must not read as "inactive" to a resource server: that would log users out.
      if (result.error().code() == Code::kUnavailable) {
        return ErrorResponse(result.error(), Surface::kGeneral);
      }
    } else if (result->active) {
      r = JsonResponse(200, IntrospectionJson(*result));
    }
    MarkNoStore(r);
    return r;
  });
}

}  // namespace jwtd::http
