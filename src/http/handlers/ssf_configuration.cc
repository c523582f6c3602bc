// GET /.well-known/ssf-configuration — the Shared Signals transmitter's metadata (OpenID SSF 1.0
// §7.1): where the streams are managed, how SETs are delivered and signed, how receivers
// authenticate (a feed client, HTTP Basic), and that every stream covers every subject.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/handlers/handlers.h"
#include "http/handlers/ssf_common.h"
#include "jwtd/auth/ssf_set.h"

namespace jwtd::http {

Outcome HandleSsfConfiguration(const Api& api, const Request&) {
  const std::string base = SsfBase(api);
  boost::json::object o;
  o["spec_version"] = "1_0";
  o["issuer"] = api.deps.tokens->options().issuer;
  o["jwks_uri"] = base + "/.well-known/jwks.json";
  o["delivery_methods_supported"] = boost::json::array{auth::kSsfPushMethod, auth::kSsfPollMethod};
  o["configuration_endpoint"] = base + "/ssf/streams";
  o["status_endpoint"] = base + "/ssf/status";
  o["verification_endpoint"] = base + "/ssf/verify";
  boost::json::object basic;
  basic["spec_urn"] = "urn:ietf:rfc:7617";  // HTTP Basic, with a feed client's credentials
  o["authorization_schemes"] = boost::json::array{basic};
  o["default_subjects"] = "ALL";
  Response r = JsonResponse(200, boost::json::serialize(o));
  r.With("Cache-Control", "public, max-age=3600");
  return r;
}

}  // namespace jwtd::http
