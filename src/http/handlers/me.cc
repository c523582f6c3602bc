// GET /v1/me — the protected resource of api.md: {"sub","username","sid","ver"}. Answered on
// the I/O thread (Authenticate does no I/O) once the user's name is cached.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

Response MeJson(const auth::Principal& p, std::string_view username) {
  boost::json::object o;
  o["sub"] = std::to_string(p.user_id);
  o["username"] = username;
  o["sid"] = p.sid;
  o["ver"] = p.ver;
  Response r = JsonResponse(200, boost::json::serialize(o));
  r.With("Cache-Control", "no-store");
  return r;
}

}  // namespace

Outcome HandleMe(const Api& api, const Request& request) {
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  auto principal = std::get<auth::Principal>(std::move(auth));
  if (auto name = api.usernames.Find(principal.user_id)) return MeJson(principal, *name);
  return Outcome::Later([&api, principal = std::move(principal)] {
    auto user = api.deps.tokens->FindUser(principal.user_id);
    if (!user.ok()) return ErrorResponse(user.error(), Surface::kGeneral);
    if (!user->has_value()) {
      return ErrorResponse(Error(Code::kUnauthenticated, Reason::kNotFound), Surface::kBearer);
    }
    api.usernames.Put(principal.user_id, (*user)->username);
    return MeJson(principal, (*user)->username);
  });
}

}  // namespace jwtd::http
