#include "user_logout.h"

#include <string>

namespace jwtd::auth {
namespace {

std::string ActorDetail(std::string_view actor) { return "actor=" + std::string(actor); }

}  // namespace

Result<std::optional<TokenResponse>> UserLogout::LogoutAll(const Principal& principal,
                                                           bool except_current,
                                                           const ClientInfo& client) const {
  const std::int64_t now = clock_->NowSeconds();
  const std::string_view keep = except_current ? std::string_view(principal.sid) : "";
  std::optional<TokenResponse> fresh;
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    fresh.reset();
    auto version =
        families_->EndEverySession(batch, principal.user_id, keep, EndReason::kLogoutAll, now);
    if (!version.ok()) return version.error();
    if (except_current) {
      auto renewed = families_->RenewKept(batch, principal, *version, EndReason::kLogoutAll, now);
      if (!renewed.ok()) return renewed.error();
      fresh = std::move(*renewed);
    }
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kLogoutAll, families_->UserWideEndReason(),
                                            principal.user_id, keep, client.address, now));
  });
  if (!committed.ok()) return committed.error();
  return fresh;
}

Result<void> UserLogout::RevokeUser(std::int64_t user_id, std::string_view actor) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto version = families_->EndEverySession(batch, user_id, "", EndReason::kUserRevoked, now);
    if (!version.ok()) return version.error();
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kRevokeUser, families_->UserWideEndReason(),
                                            user_id, "", "", now, ActorDetail(actor)));
  });
}

Result<void> UserLogout::SetDisabled(std::int64_t user_id, bool disabled,
                                     std::string_view actor) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    if (disabled) {
      auto version = families_->EndEverySession(batch, user_id, "", EndReason::kUserDisabled, now);
      if (!version.ok()) return version.error();
    }
    JWTD_RETURN_IF_ERROR(batch.tx().SetUserDisabled(user_id, disabled));
    return batch.tx().AppendAudit(
        MakeAudit(disabled ? AuditKind::kUserDisabled : AuditKind::kUserEnabled,
                  disabled ? families_->UserWideEndReason() : AuditReason::kNone, user_id, "", "",
                  now, ActorDetail(actor)));
  });
}

}  // namespace jwtd::auth
