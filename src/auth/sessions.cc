// The user's own session list (GET /v1/sessions) and ending one of them (DELETE
// /v1/sessions/{id}), e.g. a lost device.
#include <string>

#include "token_service_impl.h"

namespace jwtd::auth {

Result<std::vector<SessionInfo>> TokenServiceImpl::ListSessions(const Principal& principal) {
  const std::int64_t now = Now();
  std::vector<SessionInfo> out;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    out.clear();
    auto sessions = tx.ListSessions(principal.user_id);
    if (!sessions.ok()) return sessions.error();
    for (const Session& s : *sessions) {
      if (!s.live() || Expired(s, now)) continue;  // only sessions that can still refresh
      out.push_back({s.id, s.created_at, s.last_used_at, s.user_agent, s.id == principal.sid});
    }
    return Ok();
  });
  if (!committed.ok()) return committed.error();
  return out;
}

Result<void> TokenServiceImpl::EndSession(const Principal& principal, std::string_view session_id,
                                          const ClientInfo& client) {
  const std::int64_t now = Now();
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    auto locked = tx.LockSession(session_id);
    if (!locked.ok()) return locked.error();
    // Another user's session is indistinguishable from a missing one (no probing of sids).
    if (!locked->has_value() || (*locked)->user_id != principal.user_id) {
      return Error(Code::kNotFound, Reason::kNotFound, "no such session");
    }
    JWTD_RETURN_IF_ERROR(EndFamily(tx, **locked, "session_ended", now, &revocations));
    return tx.AppendAudit(MakeAudit("session_ended", "family_revoked", principal.user_id,
                                    session_id, client.address, now));
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return Ok();
}

}  // namespace jwtd::auth
