// Making DPoP proofs (RFC 9449 §4.2): for tests, the benchmark's proof generator and C++
// clients. Not on the server's request path.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "jwtd/jose/dpop.h"
#include "jwtd/jose/json_text.h"
#include "jwtd/jose/signer.h"

namespace jwtd::jose {

Result<std::string> SignDpopProof(const Key& key, std::string_view method, std::string_view uri,
                                  std::int64_t iat, std::string_view jti,
                                  std::string_view ath_token, std::string_view nonce) {
  if (key.symmetric() || !key.can_sign()) {
    return Error(Code::kInvalidArgument, Reason::kBadKey, "a DPoP proof needs a private key");
  }
  // The public JWK with only its key members: kid, use and alg say nothing the header does not.
  boost::json::value jwk = boost::json::parse(key.ToJwk(/*include_private=*/false));
  for (const char* member : {"kid", "use", "alg"}) jwk.get_object().erase(member);
  std::string header = R"({"typ":"dpop+jwt","alg":)";
  json::AppendQuoted(AlgName(key.alg()), &header);
  header.append(R"(,"jwk":)").append(boost::json::serialize(jwk)).push_back('}');
  std::string payload = R"({"jti":)";
  json::AppendQuoted(jti, &payload);
  payload += R"(,"htm":)";
  json::AppendQuoted(method, &payload);
  payload += R"(,"htu":)";
  json::AppendQuoted(uri, &payload);
  payload.append(R"(,"iat":)").append(std::to_string(iat));
  if (!ath_token.empty()) {
    payload += R"(,"ath":)";
    json::AppendQuoted(AccessTokenHash(ath_token), &payload);
  }
  if (!nonce.empty()) {
    payload += R"(,"nonce":)";
    json::AppendQuoted(nonce, &payload);
  }
  payload.push_back('}');
  return SignWithHeader(key, header, payload);
}

}  // namespace jwtd::jose
