// The operator's revocations (`jwtd revoke`, `jwtd keys revoke`): one access token by its jti,
// one session, and a signing key in an emergency — the ring change and the revocation-log entry
// as one use case, so the CLI is a caller and not a second place where the steps live.
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <cstdint>
#include <string_view>

#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/options.h"
#include "jwtd/clock.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class OperatorRevocation {
 public:
  // Every pointer must outlive this.
  OperatorRevocation(const AuthOptions& options, KeyRing* keys,
                     const RevocationCommitter* committer, const SessionFamilies* families,
                     const Clock* clock)
      : options_(options), keys_(keys), committer_(committer), families_(families), clock_(clock) {}

  // Until `exp` + leeway. kInvalidArgument without the denylist strategy or for an empty jti.
  [[nodiscard]] Result<void> RevokeJti(std::string_view jti, std::int64_t exp,
                                       std::string_view actor) const;
  // kNotFound for an unknown session.
  [[nodiscard]] Result<void> RevokeSession(std::string_view session_id,
                                           std::string_view actor) const;
  // The ring first (it refuses an unknown kid, or the only key able to sign, before anything
  // changes), then the log entry; both idempotent, so the pair is retried as one on a transient
  // store failure, and a rerun completes a half-done revocation.
  [[nodiscard]] Result<void> RevokeKey(std::string_view kid, std::string_view actor) const;

 private:
  Result<void> AppendOne(RevocationEntry entry, const AuditEvent& audit) const;

  const AuthOptions& options_;
  KeyRing* const keys_;
  const RevocationCommitter* const committer_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
