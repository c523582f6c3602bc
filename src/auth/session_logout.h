// Ending one session: logout by its holder (POST /v1/logout with the access token, or with the
// refresh token / cookie) and ending one of the user's own sessions from another
// (DELETE /v1/sessions/{id}). The family is ended and, with the denylist, its sid refused.
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <string_view>

#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class SessionLogout {
 public:
  // Every pointer must outlive this.
  SessionLogout(const RevocationCommitter* committer, const SessionFamilies* families,
                const Clock* clock)
      : committer_(committer), families_(families), clock_(clock) {}

  // The session of `principal`. Its row may be gone (swept): its sid is refused all the same.
  [[nodiscard]] Result<void> Logout(const Principal& principal, const ClientInfo& client) const;
  // The session a refresh token belongs to. Unknown tokens and ended families: ok (idempotent).
  [[nodiscard]] Result<void> LogoutByRefresh(std::string_view refresh_token,
                                             const ClientInfo& client) const;
  // One of the caller's own sessions. kNotFound if it is not the user's (or does not exist).
  [[nodiscard]] Result<void> EndSession(const Principal& principal, std::string_view session_id,
                                        const ClientInfo& client) const;

 private:
  const RevocationCommitter* const committer_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
