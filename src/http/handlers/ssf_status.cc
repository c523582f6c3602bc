// GET/POST /ssf/status (SSF 1.0 §8.1.2) and POST /ssf/verify (§8.1.4) of the Shared Signals
// transmitter. enabled: events are delivered; paused: they are held and delivered once enabled
// again; disabled: they are dropped (the backlog is skipped on entering and on leaving the
// state, so nothing from the disabled time is delivered). A verification event is queued for
// the one stream, delivered like any other event.
#include <boost/json/serialize.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "http/handlers/ssf_common.h"

namespace jwtd::http {
namespace {

constexpr std::size_t kMaxReason = 1000;
constexpr std::size_t kMaxState = 1000;

Response StatusResponse(const auth::SsfStream& s) {
  boost::json::object o;
  o["stream_id"] = s.id;
  o["status"] = s.status;
  if (!s.status_reason.empty()) o["reason"] = s.status_reason;
  Response r = JsonResponse(200, boost::json::serialize(o));
  r.With("Cache-Control", "no-store");
  return r;
}

std::variant<std::string, Response> StringField(const boost::json::object& body,
                                                std::string_view name, bool required,
                                                std::size_t max) {
  const auto* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) return SsfBadField(name, "required, a string");
    return std::string();
  }
  if (!v->is_string() || v->as_string().size() > max || (required && v->as_string().empty())) {
    return SsfBadField(name, "must be a non-empty string of at most 1000 bytes");
  }
  return std::string(v->as_string());
}

}  // namespace

Outcome HandleSsfStatus(const Api& api, const Request& request) {
  auto client = CheckFeedClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  std::string stream_id, status, reason;
  if (request.method == "GET") {
    auto id = SsfQueryStreamId(request);
    if (auto* bad = std::get_if<Response>(&id)) return std::move(*bad);
    stream_id = std::get<std::string>(id);
    if (stream_id.empty()) return SsfBadField("stream_id", "required");
  } else {
    auto body = SsfJsonBody(request);
    if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
    const auto& object = std::get<boost::json::object>(body);
    auto id = StringField(object, "stream_id", true, kMaxState);
    if (auto* bad = std::get_if<Response>(&id)) return std::move(*bad);
    auto st = StringField(object, "status", true, kMaxState);
    if (auto* bad = std::get_if<Response>(&st)) return std::move(*bad);
    auto why = StringField(object, "reason", false, kMaxReason);
    if (auto* bad = std::get_if<Response>(&why)) return std::move(*bad);
    stream_id = std::get<std::string>(id);
    status = std::get<std::string>(st);
    reason = std::get<std::string>(why);
    if (status != "enabled" && status != "paused" && status != "disabled") {
      return SsfBadField("status", "must be enabled, paused or disabled");
    }
  }
  return Outcome::Later([&api, client = std::move(std::get<std::string>(client)), stream_id, status,
                         reason] {
    return SsfTransact(api, [&](auth::StoreTx&, auth::SsfTx& ssf, Response& out) -> Result<void> {
      auto found = SsfOwnStream(ssf, stream_id, client);
      if (!found.ok()) return found.error();
      if (!found->has_value()) {
        out = SsfNoStream();
        return Ok();
      }
      auth::SsfStream s = **found;
      if (!status.empty()) {
        if ((s.status == "disabled") != (status == "disabled")) {
          JWTD_RETURN_IF_ERROR(ssf.SkipBacklog(s.id));
        }
        s.status = status;
        s.status_reason = reason;
        s.updated_at = api.deps.clock->NowSeconds();
        JWTD_RETURN_IF_ERROR(ssf.UpdateStream(s));
      }
      out = StatusResponse(s);
      return Ok();
    });
  });
}

Outcome HandleSsfVerify(const Api& api, const Request& request) {
  auto client = CheckFeedClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  auto body = SsfJsonBody(request);
  if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
  const auto& object = std::get<boost::json::object>(body);
  auto id = StringField(object, "stream_id", true, kMaxState);
  if (auto* bad = std::get_if<Response>(&id)) return std::move(*bad);
  auto state = StringField(object, "state", false, kMaxState);
  if (auto* bad = std::get_if<Response>(&state)) return std::move(*bad);
  return Outcome::Later([&api, client = std::move(std::get<std::string>(client)),
                         stream_id = std::get<std::string>(id),
                         state = std::get<std::string>(state)] {
    return SsfTransact(api,
                       [&](auth::StoreTx& tx, auth::SsfTx& ssf, Response& out) -> Result<void> {
                         auto found = SsfOwnStream(ssf, stream_id, client);
                         if (!found.ok()) return found.error();
                         if (!found->has_value()) {
                           out = SsfNoStream();
                           return Ok();
                         }
                         auth::SecurityEvent event;
                         event.kind = auth::SecurityEventKind::kVerification;
                         event.stream_id = stream_id;
                         event.reason = state;
                         event.at = api.deps.clock->NowSeconds();
                         JWTD_RETURN_IF_ERROR(tx.AppendSecurityEvent(event));
                         out = Response();
                         out.status = 204;
                         return Ok();
                       });
  });
}

}  // namespace jwtd::http
