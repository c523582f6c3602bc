// Stream management of the Shared Signals transmitter (OpenID SSF 1.0 §8.1.1): POST (create),
// GET (read one with ?stream_id=, else all of the receiver's), PATCH (update the fields given),
// PUT (replace the receiver-supplied fields) and DELETE /ssf/streams. The receiver is a feed
// client (HTTP Basic); it sees and changes only its own streams (another's is a 404, as an
// unknown one). Transmitter-supplied fields in a body (stream_id aside) are ignored.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "http/error_mapping.h"
#include "http/handlers/handlers.h"
#include "http/handlers/ssf_common.h"
#include "jwtd/auth/ssf_set.h"
#include "jwtd/random.h"

namespace jwtd::http {
namespace {

constexpr std::size_t kMaxStreamsPerClient = 16;
constexpr std::size_t kMaxEventsRequested = 32;
constexpr std::size_t kMaxUriLength = 512;
constexpr std::size_t kMaxDescription = 1000;
constexpr std::size_t kMaxEndpointUrl = 2048;

// The receiver-supplied fields of a body; absent ones are nullopt.
struct StreamInput {
  std::optional<std::string> method, endpoint_url, description;
  std::optional<std::vector<std::string>> events_requested;
};

bool HttpUrl(std::string_view text) {
  auto url = boost::urls::parse_absolute_uri(text);
  if (!url || !url->has_authority() || url->host().empty() || url->has_userinfo()) return false;
  return url->scheme() == "http" || url->scheme() == "https";
}

std::variant<StreamInput, Response> ParseInput(const boost::json::object& body) {
  StreamInput in;
  if (const auto* d = body.if_contains("delivery"); d != nullptr && !d->is_null()) {
    if (!d->is_object()) return SsfBadField("delivery", "must be an object");
    const auto& delivery = d->as_object();
    const auto* method = delivery.if_contains("method");
    if (method == nullptr || !method->is_string()) {
      return SsfBadField("delivery.method", "must be a string");
    }
    in.method = std::string(method->as_string());
    if (*in.method != auth::kSsfPushMethod && *in.method != auth::kSsfPollMethod) {
      return SsfBadField("delivery.method", "must be urn:ietf:rfc:8935 or urn:ietf:rfc:8936");
    }
    const auto* url = delivery.if_contains("endpoint_url");
    if (*in.method == auth::kSsfPushMethod) {
      if (url == nullptr || !url->is_string()) {
        return SsfBadField("delivery.endpoint_url", "required for push, a string");
      }
      std::string text(url->as_string());
      if (text.size() > kMaxEndpointUrl || !HttpUrl(text)) {
        return SsfBadField("delivery.endpoint_url", "must be an absolute http(s) URL");
      }
      in.endpoint_url = std::move(text);
    } else {
      in.endpoint_url = std::string();  // poll: transmitter-supplied
    }
  }
  if (const auto* e = body.if_contains("events_requested"); e != nullptr && !e->is_null()) {
    if (!e->is_array()) return SsfBadField("events_requested", "must be an array of strings");
    std::vector<std::string> uris;
    for (const auto& item : e->as_array()) {
      if (!item.is_string() || item.as_string().size() > kMaxUriLength) {
        return SsfBadField("events_requested", "must be an array of strings");
      }
      uris.emplace_back(item.as_string());
    }
    if (uris.size() > kMaxEventsRequested) return SsfBadField("events_requested", "too many");
    in.events_requested = std::move(uris);
  }
  if (const auto* d = body.if_contains("description"); d != nullptr && !d->is_null()) {
    if (!d->is_string() || d->as_string().size() > kMaxDescription) {
      return SsfBadField("description", "must be a string of at most 1000 bytes");
    }
    in.description = std::string(d->as_string());
  }
  return in;
}

// PATCH: the fields given; PUT and create: every receiver-supplied field (absent: default).
void Apply(const StreamInput& in, bool replace, auth::SsfStream& s) {
  if (in.method || replace) {
    s.delivery_method = in.method.value_or(std::string(auth::kSsfPollMethod));
    s.endpoint_url = in.endpoint_url.value_or("");
  }
  if (in.events_requested || replace)
    s.events_requested = in.events_requested.value_or(std::vector<std::string>());
  if (in.description || replace) s.description = in.description.value_or("");
  s.kinds = auth::SsfKindsOf(auth::SsfEventsDelivered(s.events_requested));
}

Response StreamResponse(const Api& api, const auth::SsfStream& s, int status) {
  Response r = JsonResponse(status, boost::json::serialize(SsfStreamJson(api, s)));
  r.With("Cache-Control", "no-store");
  return r;
}

std::variant<std::string, Response> BodyStreamId(const boost::json::object& body) {
  const auto* id = body.if_contains("stream_id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return SsfBadField("stream_id", "required, a string");
  }
  return std::string(id->as_string());
}

Outcome Create(const Api& api, const Request& request, std::string client) {
  auto body = SsfJsonBody(request);
  if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
  auto input = ParseInput(std::get<boost::json::object>(body));
  if (auto* bad = std::get_if<Response>(&input)) return std::move(*bad);
  return Outcome::Later([&api, client = std::move(client), in = std::get<StreamInput>(input)] {
    return SsfTransact(api, [&](auth::StoreTx&, auth::SsfTx& ssf, Response& out) -> Result<void> {
      auto all = ssf.ListStreams();
      if (!all.ok()) return all.error();
      std::size_t own = 0;
      for (const auto& s : *all) own += s.client == client ? 1 : 0;
      if (own >= kMaxStreamsPerClient) {
        out = JsonError(409, "conflict", "this receiver has the most streams allowed");
        return Ok();
      }
      auth::SsfStream s;
      s.id = RandomToken(16);
      s.client = client;
      s.audience = client;
      Apply(in, true, s);
      s.created_at = s.updated_at = api.deps.clock->NowSeconds();
      JWTD_RETURN_IF_ERROR(ssf.InsertStream(s));
      out = StreamResponse(api, s, 201);
      return Ok();
    });
  });
}

Outcome Read(const Api& api, const Request& request, std::string client) {
  auto id = SsfQueryStreamId(request);
  if (auto* bad = std::get_if<Response>(&id)) return std::move(*bad);
  return Outcome::Later([&api, client = std::move(client), id = std::get<std::string>(id)] {
    return SsfTransact(api, [&](auth::StoreTx&, auth::SsfTx& ssf, Response& out) -> Result<void> {
      if (id.empty()) {
        auto all = ssf.ListStreams();
        if (!all.ok()) return all.error();
        boost::json::array list;
        for (const auto& s : *all) {
          if (s.client == client) list.emplace_back(SsfStreamJson(api, s));
        }
        out = JsonResponse(200, boost::json::serialize(list));
        out.With("Cache-Control", "no-store");
        return Ok();
      }
      auto found = SsfOwnStream(ssf, id, client);
      if (!found.ok()) return found.error();
      out = found->has_value() ? StreamResponse(api, **found, 200) : SsfNoStream();
      return Ok();
    });
  });
}

Outcome Change(const Api& api, const Request& request, std::string client, bool replace) {
  auto body = SsfJsonBody(request);
  if (auto* bad = std::get_if<Response>(&body)) return std::move(*bad);
  const auto& object = std::get<boost::json::object>(body);
  auto id = BodyStreamId(object);
  if (auto* bad = std::get_if<Response>(&id)) return std::move(*bad);
  auto input = ParseInput(object);
  if (auto* bad = std::get_if<Response>(&input)) return std::move(*bad);
  return Outcome::Later([&api, client = std::move(client), id = std::get<std::string>(id),
                         in = std::get<StreamInput>(input), replace] {
    return SsfTransact(api, [&](auth::StoreTx&, auth::SsfTx& ssf, Response& out) -> Result<void> {
      auto found = SsfOwnStream(ssf, id, client);
      if (!found.ok()) return found.error();
      if (!found->has_value()) {
        out = SsfNoStream();
        return Ok();
      }
      auth::SsfStream s = **found;
      Apply(in, replace, s);
      s.updated_at = api.deps.clock->NowSeconds();
      JWTD_RETURN_IF_ERROR(ssf.UpdateStream(s));
      out = StreamResponse(api, s, 200);
      return Ok();
    });
  });
}

Outcome Delete(const Api& api, const Request& request, std::string client) {
  auto id = SsfQueryStreamId(request);
  if (auto* bad = std::get_if<Response>(&id)) return std::move(*bad);
  if (std::get<std::string>(id).empty()) return SsfBadField("stream_id", "required");
  return Outcome::Later([&api, client = std::move(client), id = std::get<std::string>(id)] {
    return SsfTransact(api, [&](auth::StoreTx&, auth::SsfTx& ssf, Response& out) -> Result<void> {
      auto found = SsfOwnStream(ssf, id, client);
      if (!found.ok()) return found.error();
      if (!found->has_value()) {
        out = SsfNoStream();
        return Ok();
      }
      auto deleted = ssf.DeleteStream(id);
      if (!deleted.ok()) return deleted.error();
      out = Response();
      out.status = 204;
      return Ok();
    });
  });
}

}  // namespace

Outcome HandleSsfStreams(const Api& api, const Request& request) {
  auto client = CheckFeedClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  std::string id = std::move(std::get<std::string>(client));
  if (request.method == "POST") return Create(api, request, std::move(id));
  if (request.method == "GET") return Read(api, request, std::move(id));
  if (request.method == "PATCH") return Change(api, request, std::move(id), false);
  if (request.method == "PUT") return Change(api, request, std::move(id), true);
  return Delete(api, request, std::move(id));
}

}  // namespace jwtd::http
