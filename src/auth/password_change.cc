#include "password_change.h"

#include <optional>
#include <string>

#include "credentials_policy.h"

namespace jwtd::auth {
namespace {

Error BadCredentials() {
  return Error(Code::kUnauthenticated, Reason::kBadCredentials, "invalid credentials");
}

std::string ActorDetail(std::string_view actor) { return "actor=" + std::string(actor); }

}  // namespace

SecurityEvent CredentialChanged(std::int64_t user_id, EndReason reason, std::int64_t now) {
  SecurityEvent event;
  event.kind = SecurityEventKind::kCredentialChange;
  event.user_id = user_id;
  event.reason = std::string(EndReasonName(reason));
  event.at = now;
  return event;
}

Result<TokenResponse> PasswordChange::Change(const Principal& principal,
                                             std::string_view current_password,
                                             std::string_view new_password,
                                             const ClientInfo& client) {
  JWTD_RETURN_IF_ERROR(ValidatePassword(new_password, options_.password));
  std::optional<User> user;
  JWTD_RETURN_IF_ERROR(store_->Read([&](StoreReadTx& tx) -> Result<void> {
    auto found = tx.FindUserById(principal.user_id);
    if (!found.ok()) return found.error();
    user = std::move(*found);
    return Ok();
  }));
  if (!user) return BadCredentials();
  // The same counters as a login of this account from this address (login_limiter.h).
  if (std::int64_t wait = limiter_->Admit(user->username, client.address); wait > 0) {
    return Error(Code::kResourceExhausted, Reason::kRateLimited, "too many failed attempts")
        .WithRetryAfter(wait);
  }
  auto matched = CheckCurrent(*user, current_password, client);
  if (!matched.ok()) return matched.error();
  auto hash = hasher_->Hash(new_password);  // Argon2id outside the write transaction
  if (!hash.ok()) return hash.error();
  return Commit(principal, *matched, *hash, client);
}

Result<TokenResponse> PasswordChange::Commit(const Principal& principal,
                                             const std::string& checked_hash,
                                             const std::string& new_hash,
                                             const ClientInfo& client) const {
  const std::int64_t now = clock_->NowSeconds();
  const std::int64_t id = principal.user_id;
  const EndReason reason = EndReason::kPasswordChanged;
  std::optional<TokenResponse> fresh;
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    fresh.reset();
    auto locked = batch.tx().LockUser(id);
    if (!locked.ok()) return locked.error();
    // Another change landed during the Argon2id work: the password checked is no longer current.
    if (!locked->has_value() || (*locked)->password_hash != checked_hash) return BadCredentials();
    if ((*locked)->disabled) {
      return Error(Code::kUnauthenticated, Reason::kUserDisabled, "account disabled");
    }
    auto version = families_->EndEverySession(batch, id, principal.sid, reason, now);
    if (!version.ok()) return version.error();
    JWTD_RETURN_IF_ERROR(batch.tx().SetPasswordHash(id, new_hash));
    JWTD_RETURN_IF_ERROR(batch.Emit(CredentialChanged(id, reason, now)));
    auto renewed = families_->RenewKept(batch, principal, *version, reason, now);
    if (!renewed.ok()) return renewed.error();
    if (!renewed->has_value()) {
      return Error(Code::kUnauthenticated, Reason::kSessionEnded, "the calling session ended");
    }
    fresh = std::move(**renewed);
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kPasswordChanged,
                                            families_->UserWideEndReason(), id, principal.sid,
                                            client.address, now));
  });
  if (!committed.ok()) return committed.error();
  return std::move(*fresh);
}

Result<std::string> PasswordChange::CheckCurrent(const User& user, std::string_view password,
                                                 const ClientInfo& client) {
  // As a login: a password no account can have still costs one Argon2id verify.
  const bool usable = password.size() <= options_.password.max_length;
  const bool matched = usable
                           ? hasher_->Verify(user.password_hash, password)
                           : hasher_->VerifyDummy(password.substr(0, options_.password.max_length));
  if (!matched) {
    limiter_->RecordFailure(user.username, client.address);
    JWTD_RETURN_IF_ERROR(RecordFailure(user.id, client));
    return BadCredentials();
  }
  limiter_->RecordSuccess(user.username, client.address);
  return user.password_hash;
}

Result<void> PasswordChange::RecordFailure(std::int64_t user_id, const ClientInfo& client) {
  const std::int64_t now = clock_->NowSeconds();
  return store_->Transact([&](StoreTx& tx) {
    return tx.AppendAudit(MakeAudit(AuditKind::kPasswordChangeFailed, AuditReason::kBadPassword,
                                    user_id, "", client.address, now));
  });
}

Result<void> PasswordChange::Reset(std::int64_t user_id, std::string_view new_password,
                                   std::string_view actor) {
  JWTD_RETURN_IF_ERROR(ValidatePassword(new_password, options_.password));
  auto hash = hasher_->Hash(new_password);  // Argon2id outside the write transaction
  if (!hash.ok()) return hash.error();
  const std::int64_t now = clock_->NowSeconds();
  return committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    const EndReason reason = EndReason::kPasswordReset;
    auto version = families_->EndEverySession(batch, user_id, "", reason, now);
    if (!version.ok()) return version.error();
    JWTD_RETURN_IF_ERROR(batch.tx().SetPasswordHash(user_id, *hash));
    JWTD_RETURN_IF_ERROR(batch.Emit(CredentialChanged(user_id, reason, now)));
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kPasswordReset,
                                            families_->UserWideEndReason(), user_id, "", "", now,
                                            ActorDetail(actor)));
  });
}

}  // namespace jwtd::auth
