// POST /v1/users — registration (api.md): 201 {"id","username"}; 409 if the name is taken.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleRegister(const Api& api, const Request& request) {
  auto body = ParseBody(request, BodyFormats::kJson);
  if (!body.ok()) return BadInput(body.error());
  auto username = body->RequiredString("username");
  if (!username.ok()) return BadInput(username.error());
  auto password = body->RequiredString("password");
  if (!password.ok()) return BadInput(password.error());
  const auth::AuthOptions& opts = api.deps.tokens->options();
  if (!opts.allow_registration) {
    return ErrorResponse(Error(Code::kPermissionDenied, Reason::kNone), Surface::kRegister);
  }
  // Checked here too so the client learns which rule it broke (the domain says only "bad").
  if (password->size() < opts.password.min_length || password->size() > opts.password.max_length) {
    return JsonError(400, "invalid_request",
                     "password must be " + std::to_string(opts.password.min_length) + " to " +
                         std::to_string(opts.password.max_length) + " characters");
  }
  return Outcome::Later([&api, user = std::move(*username), pass = std::move(*password),
                         client = ClientOf(request)]() -> Response {
    auto created = api.deps.tokens->Register(user, pass, client);
    if (!created.ok()) return ErrorResponse(created.error(), Surface::kRegister);
    api.usernames.Put(created->id, created->username);
    boost::json::object o;
    o["id"] = created->id;
    o["username"] = created->username;
    Response r = JsonResponse(201, boost::json::serialize(o));
    r.With("Location", "/v1/users/" + std::to_string(created->id));
    return r;
  });
}

}  // namespace jwtd::http
