// AccessTokenIssuer — mints RFC 9068 access tokens: header typ "at+jwt" (§2.1) with the ring's
// active key; claims iss, sub (decimal user id), aud, exp, iat, nbf, jti (128 random bits),
// client_id (§2.2), sid, ver, scope when present (api.md "Token formats") and cnf.jkt when the
// token is DPoP-bound (RFC 9449 §6.1).
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/options.h"
#include "jwtd/result.h"

namespace jwtd::auth {

struct AccessTokenRequest {
  std::int64_t user_id = 0;
  std::string_view sid;
  std::int64_t ver = 0;
  std::string_view scope;
  // When > 0, exp is at most this: a token minted on the strength of another access token must
  // not outlive it (else each one renews the next, forever).
  std::int64_t not_after = 0;
  // When set, the token is DPoP-bound: cnf {"jkt": this} (RFC 9449 §6.1).
  std::string_view jkt;
};

struct IssuedAccessToken {
  std::string token;
  std::string jti;
  std::int64_t exp = 0;
};

class AccessTokenIssuer {
 public:
  // `keys` must outlive the issuer. Copies what it needs from `options`.
  AccessTokenIssuer(const AuthOptions& options, const KeyRing* keys);

  // kInternal if the active key cannot sign.
  [[nodiscard]] Result<IssuedAccessToken> Issue(const AccessTokenRequest& request,
                                                std::int64_t now) const;

 private:
  const std::string issuer_;
  const std::string audience_;
  const std::int64_t ttl_seconds_;
  const KeyRing* const keys_;
};

// RFC 9068 §2.2 client_id: jwtd is its own (first-party) client.
inline constexpr std::string_view kClientId = "jwtd";

}  // namespace jwtd::auth
