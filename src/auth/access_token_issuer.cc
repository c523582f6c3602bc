#include "access_token_issuer.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "jwtd/random.h"

namespace jwtd::auth {

AccessTokenIssuer::AccessTokenIssuer(const AuthOptions& options, const KeyRing* keys)
    : issuer_(options.issuer),
      audience_(options.audience),
      ttl_seconds_(options.access_ttl_seconds),
      keys_(keys) {}

Result<IssuedAccessToken> AccessTokenIssuer::Issue(const AccessTokenRequest& request,
                                                   std::int64_t now) const {
  IssuedAccessToken out;
  out.jti = RandomToken(16);  // api.md: >= 128 bits of randomness
  out.exp = now + ttl_seconds_;
  if (request.not_after > 0) out.exp = std::min(out.exp, request.not_after);
  boost::json::object claims;
  claims["iss"] = issuer_;
  claims["sub"] = std::to_string(request.user_id);  // RFC 9068 §2.2: sub is a string
  claims["aud"] = audience_;
  claims["exp"] = out.exp;
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["jti"] = out.jti;
  claims["client_id"] = kClientId;
  claims["sid"] = request.sid;
  claims["ver"] = request.ver;
  if (!request.scope.empty()) claims["scope"] = request.scope;
  if (!request.jkt.empty()) claims["cnf"] = boost::json::object{{"jkt", request.jkt}};
  auto signer = keys_->signer();
  if (!signer) return Error(Code::kInternal, Reason::kInternal, "no active signing key");
  auto token = signer->Sign(boost::json::serialize(claims), "at+jwt");
  if (!token.ok()) return token.error();
  out.token = std::move(*token);
  return out;
}

}  // namespace jwtd::auth
