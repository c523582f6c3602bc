#include "user_logout.h"

#include <string>

namespace jwtd::auth {
namespace {

std::string ActorDetail(std::string_view actor) { return "actor=" + std::string(actor); }

}  // namespace

AuditReason UserLogout::EndedBy() const {
  return options_.strategies.version ? AuditReason::kVersionBumped : AuditReason::kFamilyRevoked;
}

Result<std::int64_t> UserLogout::EndEverySession(RevocationBatch& batch, std::int64_t user_id,
                                                 std::string_view keep_sid, EndReason reason,
                                                 std::int64_t now) const {
  auto user = batch.tx().LockUser(user_id);
  if (!user.ok()) return user.error();
  if (!user->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such user");
  auto version = families_->BumpVersion(batch, user_id, now);
  if (!version.ok()) return version.error();
  JWTD_RETURN_IF_ERROR(
      families_->EndAllOfUser(batch, user_id, keep_sid, reason, options_.strategies.version, now));
  // One event for the user (CAEP session-revoked with the user as subject), not one per session.
  JWTD_RETURN_IF_ERROR(batch.Emit(SessionRevoked(user_id, "", reason, now)));
  return *version;
}

Result<std::optional<TokenResponse>> UserLogout::LogoutAll(const Principal& principal,
                                                           bool except_current,
                                                           const ClientInfo& client) const {
  const std::int64_t now = clock_->NowSeconds();
  const std::string_view keep = except_current ? std::string_view(principal.sid) : "";
  std::optional<TokenResponse> fresh;
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    fresh.reset();
    auto version = EndEverySession(batch, principal.user_id, keep, EndReason::kLogoutAll, now);
    if (!version.ok()) return version.error();
    if (except_current) {
      auto renewed = Renew(batch, principal, *version, now);
      if (!renewed.ok()) return renewed.error();
      fresh = std::move(*renewed);
    }
    return batch.tx().AppendAudit(
        MakeAudit(AuditKind::kLogoutAll, EndedBy(), principal.user_id, keep, client.address, now));
  });
  if (!committed.ok()) return committed.error();
  return fresh;
}

Result<std::optional<TokenResponse>> UserLogout::Renew(RevocationBatch& batch,
                                                       const Principal& principal, std::int64_t ver,
                                                       std::int64_t now) const {
  auto locked = batch.tx().LockSession(principal.sid);
  if (!locked.ok()) return locked.error();
  if (!locked->has_value() || (*locked)->user_id != principal.user_id) {
    return std::optional<TokenResponse>();
  }
  const Session& session = **locked;
  // A calling session that already ended or expired cannot survive: end it like the others.
  if (!session.live() || SessionExpired(session, now)) {
    JWTD_RETURN_IF_ERROR(families_->End(batch, session, EndReason::kLogoutAll, now));
    return std::optional<TokenResponse>();
  }
  auto access = families_->issuer().Issue(
      {session.user_id, session.id, ver, session.scope, /*not_after=*/principal.exp}, now);
  if (!access.ok()) return access.error();
  TokenResponse response;
  response.access_token = std::move(access->token);
  response.expires_in = access->exp - now;
  response.scope = session.scope;
  response.session_id = session.id;
  return std::optional<TokenResponse>(std::move(response));
}

Result<void> UserLogout::RevokeUser(std::int64_t user_id, std::string_view actor) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto version = EndEverySession(batch, user_id, "", EndReason::kUserRevoked, now);
    if (!version.ok()) return version.error();
    return batch.tx().AppendAudit(
        MakeAudit(AuditKind::kRevokeUser, EndedBy(), user_id, "", "", now, ActorDetail(actor)));
  });
}

Result<void> UserLogout::SetDisabled(std::int64_t user_id, bool disabled,
                                     std::string_view actor) const {
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    if (disabled) {
      auto version = EndEverySession(batch, user_id, "", EndReason::kUserDisabled, now);
      if (!version.ok()) return version.error();
    }
    JWTD_RETURN_IF_ERROR(batch.tx().SetUserDisabled(user_id, disabled));
    return batch.tx().AppendAudit(MakeAudit(
        disabled ? AuditKind::kUserDisabled : AuditKind::kUserEnabled,
        disabled ? EndedBy() : AuditReason::kNone, user_id, "", "", now, ActorDetail(actor)));
  });
}

}  // namespace jwtd::auth
