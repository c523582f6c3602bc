#include "http/handlers/ssf_common.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "http/error_mapping.h"
#include "http/query.h"
#include "jwtd/auth/ssf_set.h"

namespace jwtd::http {
namespace {

boost::json::array Strings(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

}  // namespace

std::string SsfBase(const Api& api) {
  std::string base = api.deps.tokens->options().issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::variant<boost::json::object, Response> SsfJsonBody(const Request& request) {
  if (request.body.empty()) return boost::json::object();
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec);
  if (ec || !value.is_object()) {
    return JsonError(400, "invalid_request", "the body must be one JSON object");
  }
  return std::move(value.as_object());
}

Response SsfBadField(std::string_view field, std::string_view what) {
  return JsonError(400, "invalid_request", std::string(field) + ": " + std::string(what));
}

Response SsfNoStream() { return JsonError(404, "not_found", "no such stream"); }

boost::json::object SsfStreamJson(const Api& api, const auth::SsfStream& s) {
  const std::string base = SsfBase(api);
  boost::json::object o;
  o["stream_id"] = s.id;
  o["iss"] = api.deps.tokens->options().issuer;
  o["aud"] = s.audience;
  o["events_supported"] = Strings(auth::SsfEventsSupported());
  o["events_requested"] = Strings(s.events_requested);
  o["events_delivered"] = Strings(auth::SsfEventsDelivered(s.events_requested));
  boost::json::object delivery;
  delivery["method"] = s.delivery_method;
  // Poll: the transmitter supplies the URL (SSF §8.1.1); push: the receiver's endpoint.
  delivery["endpoint_url"] =
      s.delivery_method == auth::kSsfPollMethod ? base + "/ssf/poll/" + s.id : s.endpoint_url;
  o["delivery"] = std::move(delivery);
  if (!s.description.empty()) o["description"] = s.description;
  return o;
}

std::variant<std::string, Response> SsfQueryStreamId(const Request& request) {
  auto query = QueryParams::Parse(request.query);
  if (!query.ok()) return BadInput(query.error());
  auto id = query->Get("stream_id");
  return id ? std::string(*id) : std::string();
}

Response SsfTransact(const Api& api, const SsfBody& fn) {
  Response out;
  auto done = api.deps.store->Transact([&](auth::StoreTx& tx) -> Result<void> {
    out = Response();
    auth::SsfTx* ssf = tx.ssf();
    if (ssf == nullptr) {
      out = JsonError(501, "not_implemented", "this store has no Shared Signals streams");
      return Ok();
    }
    return fn(tx, *ssf, out);
  });
  if (!done.ok()) return ErrorResponse(done.error(), Surface::kGeneral);
  return out;
}

Result<std::optional<auth::SsfStream>> SsfOwnStream(auth::SsfTx& ssf, std::string_view id,
                                                    std::string_view client) {
  if (id.empty()) return std::optional<auth::SsfStream>();
  auto found = ssf.FindStream(id);
  if (!found.ok()) return found.error();
  if (!found->has_value() || (*found)->client != client) return std::optional<auth::SsfStream>();
  return found;
}

}  // namespace jwtd::http
