// What the Shared Signals handlers (ssf_*.cc, docs/api.md "Shared Signals") share: the
// receiver's authentication (a feed client), JSON bodies with errors naming the field, the
// stream's JSON (SSF 1.0 §8.1.1), and the store's streams inside one transaction.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "http/handlers/api.h"
#include "jwtd/auth/ssf_store.h"

namespace jwtd::http {

// The base URL of the endpoints: the issuer without a trailing slash.
std::string SsfBase(const Api& api);
// The body as one JSON object ({} for an empty body); else the 400 to send.
std::variant<boost::json::object, Response> SsfJsonBody(const Request& request);
// 400 invalid_request whose description names the field.
Response SsfBadField(std::string_view field, std::string_view what);
Response SsfNoStream();  // 404: unknown, or another receiver's
// The stream's configuration as SSF §8.1.1 shows it.
boost::json::object SsfStreamJson(const Api& api, const auth::SsfStream& stream);
// The stream id of the query (?stream_id=); empty when absent.
std::variant<std::string, Response> SsfQueryStreamId(const Request& request);

// Runs `fn` with the store's streams in one write transaction. The Response it sets is sent;
// a store error becomes a 5xx.
using SsfBody = std::function<Result<void>(auth::StoreTx& tx, auth::SsfTx& ssf, Response& out)>;
Response SsfTransact(const Api& api, const SsfBody& fn);
// The stream `id` when it belongs to `client`; nullopt when unknown or another's (both 404, so
// a receiver learns nothing of other receivers' streams).
Result<std::optional<auth::SsfStream>> SsfOwnStream(auth::SsfTx& ssf, std::string_view id,
                                                    std::string_view client);

}  // namespace jwtd::http
