// GET /v1/sessions — the user's live sessions, newest first, in pages (?limit=1..1000, default
// 1000; a full page carries `Link: <...?after=CURSOR&limit=N>; rel="next"`, RFC 8288);
// DELETE /v1/sessions/{id} — ends one of the user's own sessions: 204, or 404 when it is not the
// user's (api.md).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "http/query.h"

namespace jwtd::http {
namespace {

// Session ids are 128-bit base64url strings; anything far longer is not one.
constexpr std::size_t kMaxSessionId = 128;

constexpr std::int64_t kMaxPage = 1000;

// A page cursor on the wire: "<created_at>.<id>" (session ids are base64url: no '.').
std::string CursorText(const auth::SessionCursor& c) {
  return std::to_string(c.created_at) + "." + c.id;
}

std::optional<auth::SessionCursor> ParseCursor(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || dot + 1 >= text.size() ||
      text.size() - dot - 1 > kMaxSessionId) {
    return std::nullopt;
  }
  auth::SessionCursor c;
  auto [end, ec] = std::from_chars(text.data(), text.data() + dot, c.created_at);
  if (ec != std::errc() || end != text.data() + dot) return std::nullopt;
  c.id = std::string(text.substr(dot + 1));
  return c;
}

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
  auto query = QueryParams::Parse(request.query);
  if (!query.ok()) return BadInput(query.error());
  auto limit = query->GetInt("limit", 1, kMaxPage);
  if (!limit.ok()) return BadInput(limit.error());
  std::optional<auth::SessionCursor> after;
  if (auto text = query->Get("after")) {
    after = ParseCursor(*text);
    if (!after) return JsonError(400, "invalid_request", "after: not a cursor of this list");
  }
  const std::int64_t page = limit->value_or(kMaxPage);
  return Outcome::Later(
      [&api, principal = std::get<auth::Principal>(std::move(auth)), after, page] {
        auto list = api.deps.tokens->ListSessions(principal, after, static_cast<std::size_t>(page));
        if (!list.ok()) return ErrorResponse(list.error(), Surface::kGeneral);
        Response r = JsonResponse(200, SessionsJson(list->sessions));
        r.With("Cache-Control", "no-store");
        if (list->next) {
          r.With("Link", "</v1/sessions?after=" + CursorText(*list->next) +
                             "&limit=" + std::to_string(page) + ">; rel=\"next\"");
        }
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
