// Ending every session of a user: logout-all by the user (POST /v1/logout-all, optionally
// keeping the calling session), the operator's `jwtd revoke --user-id/--username`, and
// `jwtd users disable`. One transaction each: SessionFamilies::EndEverySession (the user row
// locked so no login slips in beside, the version bumped with the version strategy, every family
// ended in pages — all of them, however many) and the audit row.
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <optional>
#include <string_view>

#include "jwtd/auth/options.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class UserLogout {
 public:
  // Every pointer must outlive this.
  UserLogout(const AuthOptions& options, const RevocationCommitter* committer,
             const SessionFamilies* families, const Clock* clock)
      : options_(options), committer_(committer), families_(families), clock_(clock) {}

  // With except_current, the calling session survives (if still live) and gets a new access
  // token carrying the new ver: no refresh token (a stolen access token must not become a
  // renewable credential), and an exp no later than the caller's (else each answer would renew
  // the next, forever).
  [[nodiscard]] Result<std::optional<TokenResponse>> LogoutAll(const Principal& principal,
                                                               bool except_current,
                                                               const ClientInfo& client) const;
  // kNotFound for an unknown user.
  [[nodiscard]] Result<void> RevokeUser(std::int64_t user_id, std::string_view actor) const;
  [[nodiscard]] Result<void> SetDisabled(std::int64_t user_id, bool disabled,
                                         std::string_view actor) const;

 private:
  const AuthOptions& options_;
  const RevocationCommitter* const committer_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
