// RFC 7009 token revocation (POST /oauth/revoke): an access token's jti denied (with the
// denylist strategy), or a refresh token's whole family ended (§2.1: revoking a refresh token
// SHOULD also invalidate the access tokens of the same grant). Unknown, invalid, expired and
// foreign tokens: ok (§2.2).
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <string_view>

#include "jwtd/auth/options.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/auth/verifier_source.h"
#include "jwtd/clock.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class TokenRevocation {
 public:
  // Every pointer must outlive this.
  TokenRevocation(const AuthOptions& options, const VerifierSource* keys,
                  const RevocationCommitter* committer, const SessionFamilies* families,
                  const Clock* clock)
      : options_(options), keys_(keys), committer_(committer), families_(families), clock_(clock) {}

  [[nodiscard]] Result<void> Revoke(std::string_view token, TokenHint hint,
                                    const ClientInfo& client) const;

 private:
  // True if `token` is one of ours (whatever its state); it is then revoked.
  Result<bool> RevokeAccessToken(std::string_view token, const ClientInfo& client) const;
  Result<bool> RevokeRefreshToken(std::string_view token, const ClientInfo& client) const;

  const AuthOptions& options_;
  const VerifierSource* const keys_;
  const RevocationCommitter* const committer_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
