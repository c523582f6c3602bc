#include "operator_revocation.h"

#include <chrono>
#include <string>
#include <thread>

#include "revocation_entries.h"

namespace jwtd::auth {
namespace {

// A revoked key is never trusted again (kids are not reused); the sweep may drop the entry only
// once every verifier has long forgotten the key.
constexpr std::int64_t kKeyRevocationSeconds = 10LL * 365 * 24 * 3600;
constexpr int kKeyRevocationAttempts = 3;

std::string ActorDetail(std::string_view actor) { return "actor=" + std::string(actor); }

bool Transient(const Error& e) {
  return e.code() == Code::kUnavailable || e.code() == Code::kAborted;
}

}  // namespace

Result<void> OperatorRevocation::AppendOne(RevocationEntry entry, const AuditEvent& audit) const {
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    JWTD_RETURN_IF_ERROR(batch.Append(entry));
    return batch.tx().AppendAudit(audit);
  });
}

Result<void> OperatorRevocation::RevokeJti(std::string_view jti, std::int64_t exp,
                                           std::string_view actor) const {
  if (!options_.strategies.denylist) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "the denylist strategy is off: a jti cannot be revoked");
  }
  if (jti.empty()) return Error(Code::kInvalidArgument, Reason::kBadRequest, "empty jti");
  const std::int64_t now = clock_->NowSeconds();
  const std::int64_t until = exp + options_.leeway_seconds;
  if (until <= now) return Ok();  // that token is refused already
  return AppendOne(JtiDenial(jti, until, now),
                   MakeAudit(AuditKind::kRevoke, AuditReason::kJtiDenied, std::nullopt, "", "", now,
                             ActorDetail(actor)));
}

Result<void> OperatorRevocation::RevokeSession(std::string_view session_id,
                                               std::string_view actor) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto locked = batch.tx().LockSession(session_id);
    if (!locked.ok()) return locked.error();
    if (!locked->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such session");
    JWTD_RETURN_IF_ERROR(families_->End(batch, **locked, EndReason::kOperatorRevoked, now));
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kRevoke, AuditReason::kFamilyRevoked,
                                            (*locked)->user_id, session_id, "", now,
                                            ActorDetail(actor)));
  });
}

Result<void> OperatorRevocation::RevokeKey(std::string_view kid, std::string_view actor) const {
  if (kid.empty()) return Error(Code::kInvalidArgument, Reason::kBadRequest, "empty kid");
  for (int attempt = 1;; ++attempt) {
    // This node refuses the key's tokens once it has left the ring (its verifier loses the
    // key); every other verifier once the log entry reaches it.
    JWTD_RETURN_IF_ERROR(keys_->Revoke(kid));
    const std::int64_t now = clock_->NowSeconds();
    auto logged =
        AppendOne(KeyDenial(kid, now + kKeyRevocationSeconds, now),
                  MakeAudit(AuditKind::kKeyRevoked, AuditReason::kKeyRevoked, std::nullopt, "", "",
                            now, "kid=" + std::string(kid) + " " + ActorDetail(actor)));
    if (logged.ok()) return Ok();
    if (!Transient(logged.error()) || attempt == kKeyRevocationAttempts) {
      return Error(logged.error().code(), logged.error().reason(),
                   "the key left the key ring, but recording it in the revocation log failed "
                   "(run the command again): " +
                       logged.error().message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
}

}  // namespace jwtd::auth
