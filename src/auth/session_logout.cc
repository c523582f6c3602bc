#include "session_logout.h"

#include <string>

#include "refresh_lookup.h"
#include "refresh_token.h"

namespace jwtd::auth {

Result<void> SessionLogout::Logout(const Principal& principal, const ClientInfo& client) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto locked = batch.tx().LockSession(principal.sid);
    if (!locked.ok()) return locked.error();
    AuditReason reason = AuditReason::kFamilyRevoked;
    if (locked->has_value() && (*locked)->user_id == principal.user_id) {
      if (!(*locked)->live()) reason = AuditReason::kAlreadyEnded;
      JWTD_RETURN_IF_ERROR(families_->End(batch, **locked, EndReason::kLogout, now));
    } else {
      // The row is gone (swept) but the caller's token is live: still refuse its sid.
      reason = AuditReason::kSessionMissing;
      JWTD_RETURN_IF_ERROR(families_->DenySession(batch, principal.sid, now));
      JWTD_RETURN_IF_ERROR(
          batch.Emit(SessionRevoked(principal.user_id, principal.sid, EndReason::kLogout, now)));
    }
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kLogout, reason, principal.user_id,
                                            principal.sid, client.address, now));
  });
}

Result<void> SessionLogout::LogoutByRefresh(std::string_view refresh_token,
                                            const ClientInfo& client) const {
  // Idempotent: unknown tokens and ended families are ok; any token of a family ends it.
  if (!PlausibleRefreshToken(refresh_token)) return Ok();
  const std::string hash = HashRefreshToken(refresh_token);
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto family = LockRefreshFamily(batch.tx(), hash);
    if (!family.ok()) return family.error();
    if (!family->has_value() || !(*family)->session.live()) return Ok();
    const Session& session = (*family)->session;
    JWTD_RETURN_IF_ERROR(families_->End(batch, session, EndReason::kLogout, now));
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kLogout, AuditReason::kFamilyRevoked,
                                            session.user_id, session.id, client.address, now));
  });
}

Result<void> SessionLogout::EndSession(const Principal& principal, std::string_view session_id,
                                       const ClientInfo& client) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto locked = batch.tx().LockSession(session_id);
    if (!locked.ok()) return locked.error();
    // Another user's session is indistinguishable from a missing one (no probing of sids).
    if (!locked->has_value() || (*locked)->user_id != principal.user_id) {
      return Error(Code::kNotFound, Reason::kNotFound, "no such session");
    }
    JWTD_RETURN_IF_ERROR(families_->End(batch, **locked, EndReason::kSessionEnded, now));
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kSessionEnded, AuditReason::kFamilyRevoked,
                                            principal.user_id, session_id, client.address, now));
  });
}

}  // namespace jwtd::auth
