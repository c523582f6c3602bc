// Changing a password: the user's own change (POST /v1/password: the current password, checked
// like a login attempt and counted by the same limiter, and a new one) and the operator's reset
// (`jwtd users set-password`). Argon2id runs outside the write transaction; then one
// transaction through the revocation funnel stores the new hash, ends every session of the user
// (SessionFamilies::EndEverySession: all but the caller's on a change, all on a reset), emits
// CAEP credential-change beside the user-wide session-revoked, and appends the audit row.
//
// Thread-safety: immutable after construction (the limiter has its own synchronisation); serves
// all threads. Both methods block on Argon2id and the store: off the I/O threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jwtd/auth/options.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "login_limiter.h"
#include "password_hasher.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class PasswordChange {
 public:
  // Every pointer must outlive this. `limiter` is the login's: a wrong current password is one
  // failed login of the account.
  PasswordChange(const AuthOptions& options, Store* store, const RevocationCommitter* committer,
                 const PasswordHasher* hasher, LoginLimiter* limiter,
                 const SessionFamilies* families, const Clock* clock)
      : options_(options),
        store_(store),
        committer_(committer),
        hasher_(hasher),
        limiter_(limiter),
        families_(families),
        clock_(clock) {}

  // The caller's session survives and gets a new access token carrying the new ver, as
  // logout-all's except_current (no refresh token; exp at most the caller's). Errors:
  // kInvalidArgument (kBadRequest) for a new password the policy refuses (nothing counted);
  // kResourceExhausted (kRateLimited, retry_after) past the login limit; kUnauthenticated with
  // kBadCredentials for a wrong current password (or one changed meanwhile), kSessionEnded when
  // the calling session ended meanwhile. Any error: nothing changed.
  [[nodiscard]] Result<TokenResponse> Change(const Principal& principal,
                                             std::string_view current_password,
                                             std::string_view new_password,
                                             const ClientInfo& client);
  // Sets the password of `user_id` and ends every session. kInvalidArgument as Change;
  // kNotFound for an unknown user.
  [[nodiscard]] Result<void> Reset(std::int64_t user_id, std::string_view new_password,
                                   std::string_view actor);

 private:
  // The current password check of an admitted attempt; resolves it in the limiter. Returns the
  // hash it matched (the commit refuses if it changed meanwhile).
  Result<std::string> CheckCurrent(const User& user, std::string_view password,
                                   const ClientInfo& client);
  Result<void> RecordFailure(std::int64_t user_id, const ClientInfo& client);
  // The change itself, one transaction: refused if the hash checked is no longer the user's.
  Result<TokenResponse> Commit(const Principal& principal, const std::string& checked_hash,
                               const std::string& new_hash, const ClientInfo& client) const;

  const AuthOptions& options_;
  Store* const store_;
  const RevocationCommitter* const committer_;
  const PasswordHasher* const hasher_;
  LoginLimiter* const limiter_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

// The outbox event of a changed password (CAEP credential-change; reason kPasswordChanged: the
// user, kPasswordReset: an operator).
SecurityEvent CredentialChanged(std::int64_t user_id, EndReason reason, std::int64_t now);

}  // namespace jwtd::auth
