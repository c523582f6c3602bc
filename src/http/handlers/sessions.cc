// GET /v1/sessions — the user's live sessions; DELETE /v1/sessions/{id} — ends one of the
// user's own sessions: 204, or 404 when it is not the user's (api.md).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {
namespace {

// Session ids are 128-bit base64url strings; anything far longer is not one.
constexpr std::size_t kMaxSessionId = 128;

std::string SessionsJson(const std::vector<auth::SessionInfo>& sessions) {
  boost::json::array out;
  out.reserve(sessions.size());
  for (const auto& s : sessions) {
    boost::json::object o;
    o["id"] = s.id;
    o["created_at"] = s.created_at;
    o["last_used_at"] = s.last_used_at;
    o["user_agent"] = s.user_agent;
    o["current"] = s.current;
    out.push_back(std::move(o));
  }
  return boost::json::serialize(out);
}

}  // namespace

Outcome HandleListSessions(const Api& api, const Request& request) {
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  return Outcome::Later([&api, principal = std::get<auth::Principal>(std::move(auth))] {
    auto sessions = api.deps.tokens->ListSessions(principal);
    if (!sessions.ok()) return ErrorResponse(sessions.error(), Surface::kGeneral);
    Response r = JsonResponse(200, SessionsJson(*sessions));
    r.With("Cache-Control", "no-store");
    return r;
  });
}

Outcome HandleEndSession(const Api& api, const Request& request) {
  auto auth = AuthenticateBearer(api, request);
  if (auto* refused = std::get_if<Response>(&auth)) return std::move(*refused);
  const std::string_view id = request.Param("id");
  if (id.size() > kMaxSessionId) return JsonError(404, "not_found", "no such session");
  return Outcome::Later([&api, principal = std::get<auth::Principal>(std::move(auth)),
                         id = std::string(id), client = ClientOf(request)] {
    auto done = api.deps.tokens->EndSession(principal, id, client);
    if (!done.ok()) {
      if (done.error().code() == Code::kNotFound) {
        return JsonError(404, "not_found", "no such session");
      }
      return ErrorResponse(done.error(), Surface::kGeneral);
    }
    api.metrics->RecordRevocation(RevocationMetric::kSession);
    return EmptyResponse(204);
  });
}

}  // namespace jwtd::http
