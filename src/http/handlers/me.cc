// GET /v1/me — the protected resource of api.md: {"sub","username","sid","ver"}. Answered on
// the I/O thread (Authenticate does no I/O) once the user's name is cached; a verifier without a
// database answers {"sub","sid","ver"} from the token alone.
#include <fmt/format.h>

#include <optional>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "jwtd/jose/json_text.h"

namespace jwtd::http {
namespace {

// The document is written directly: the most frequent answer of the API, and a JSON DOM cost
// more than the rest of the handler (docs/benchmarks.md, http_exchange_bench).
// Without a username (a verifier without a database) the member is left out.
Response MeJson(const auth::Principal& p, std::optional<std::string_view> username) {
  std::string body;
  body.reserve(48 + username.value_or("").size() + p.sid.size());
  body.append(R"({"sub":")");
  body.append(fmt::format_int(p.user_id).c_str());
  body.push_back('"');
  if (username) {
    body.append(R"(,"username":)");
    jose::json::AppendQuoted(*username, &body);
  }
  body.append(R"(,"sid":)");
  jose::json::AppendQuoted(p.sid, &body);
  body.append(R"(,"ver":)");
  body.append(fmt::format_int(p.ver).c_str());
  body.push_back('}');
  Response r = JsonResponse(200, std::move(body));
  r.With("Cache-Control", "no-store");
  return r;
}

}  // namespace

Outcome HandleMe(const Api& api, const Request& request) {
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  auto principal = std::get<auth::Principal>(std::move(auth));
  if (!api.options.has_database) return MeJson(principal, std::nullopt);
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
