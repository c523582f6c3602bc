// RFC 7009 token revocation (POST /oauth/revoke) and the operator's revocations (CLI).
#include <string>

#include "jwtd/auth/user_id.h"
#include "refresh_token.h"
#include "token_service_impl.h"

namespace jwtd::auth {

Result<void> TokenServiceImpl::Revoke(std::string_view token, TokenHint hint,
                                      const ClientInfo& client) {
  // RFC 7009 §2.1: the hint only orders the search; a wrong hint still finds the token.
  // §2.2: unknown, invalid and expired tokens are answered with success.
  const bool refresh_first = hint == TokenHint::kRefreshToken;
  auto first = refresh_first ? RevokeRefreshToken(token, client) : RevokeAccessToken(token, client);
  if (!first.ok()) return first.error();
  if (*first) return Ok();
  auto second =
      refresh_first ? RevokeAccessToken(token, client) : RevokeRefreshToken(token, client);
  if (!second.ok()) return second.error();
  return Ok();
}

Result<bool> TokenServiceImpl::RevokeAccessToken(std::string_view token, const ClientInfo& client) {
  auto verifier = keys_->verifier();
  if (token.empty() || token.size() > verifier->options().max_token_bytes) return false;
  // Ours if our key signed it; expiry is irrelevant here (an expired token needs nothing).
  auto claims = verifier->VerifySignature(token);
  if (!claims.ok()) return false;
  const std::int64_t now = Now();
  const std::int64_t until = claims->exp() + options_.leeway_seconds;
  if (until <= now || claims->jti().empty()) return true;
  std::optional<std::int64_t> user_id;
  if (auto id = ParseUserId(claims->sub())) user_id = *id;
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    std::string_view reason = "access_token_not_revocable";  // without the denylist
    if (options_.strategies.denylist) {
      reason = "jti_denied";
      RevocationEntry entry;
      entry.kind = RevocationKind::kJti;
      entry.key = std::string(claims->jti());
      entry.expires_at = until;
      entry.created_at = now;
      auto appended = tx.AppendRevocation(std::move(entry));
      if (!appended.ok()) return appended.error();
      revocations.push_back(std::move(*appended));
    }
    return tx.AppendAudit(MakeAudit("revoke", reason, user_id, claims->sid(), client.address, now));
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return true;
}

Result<bool> TokenServiceImpl::RevokeRefreshToken(std::string_view token,
                                                  const ClientInfo& client) {
  if (!PlausibleRefreshToken(token)) return false;
  const std::string hash = HashRefreshToken(token);
  const std::int64_t now = Now();
  bool ours = false;
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    ours = false;
    auto found = tx.FindRefresh(hash);
    if (!found.ok()) return found.error();
    if (!found->has_value() || !ConstantTimeEquals((*found)->token_hash, hash)) return Ok();
    auto locked = tx.LockSession((*found)->session_id);
    if (!locked.ok()) return locked.error();
    if (!locked->has_value()) return Ok();
    ours = true;
    if (!(*locked)->live()) return Ok();
    // RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the
    // same grant: the family ends and, with the denylist, its sid is refused.
    JWTD_RETURN_IF_ERROR(EndFamily(tx, **locked, "revoked", now, &revocations));
    return tx.AppendAudit(MakeAudit("revoke", "family_revoked", (*locked)->user_id, (*locked)->id,
                                    client.address, now));
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return ours;
}

Result<void> TokenServiceImpl::RevokeJti(std::string_view jti, std::int64_t exp,
                                         std::string_view actor) {
  if (!options_.strategies.denylist) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "the denylist strategy is off: a jti cannot be revoked");
  }
  if (jti.empty()) return Error(Code::kInvalidArgument, Reason::kBadRequest, "empty jti");
  const std::int64_t now = Now();
  const std::int64_t until = exp + options_.leeway_seconds;
  if (until <= now) return Ok();  // that token is refused already
  RevocationEntry entry;
  entry.kind = RevocationKind::kJti;
  entry.key = std::string(jti);
  entry.expires_at = until;
  AuditEvent audit = MakeAudit("revoke", "jti_denied", std::nullopt, "", "", now);
  audit.detail = "actor=" + std::string(actor);
  return AppendOperatorRevocation(std::move(entry), audit, now);
}

Result<void> TokenServiceImpl::RevokeKey(std::string_view kid, std::string_view actor) {
  if (kid.empty()) return Error(Code::kInvalidArgument, Reason::kBadRequest, "empty kid");
  // A revoked key is never trusted again (kids are not reused); the sweep may drop the entry
  // only once every verifier has long forgotten the key.
  constexpr std::int64_t kKeyRevocationSeconds = 10LL * 365 * 24 * 3600;
  const std::int64_t now = Now();
  RevocationEntry entry;
  entry.kind = RevocationKind::kKey;
  entry.key = std::string(kid);
  entry.expires_at = now + kKeyRevocationSeconds;
  AuditEvent audit = MakeAudit("key_revoked", "key_revoked", std::nullopt, "", "", now);
  audit.detail = "kid=" + std::string(kid) + " actor=" + std::string(actor);
  return AppendOperatorRevocation(std::move(entry), audit, now);
}

Result<void> TokenServiceImpl::AppendOperatorRevocation(RevocationEntry entry,
                                                        const AuditEvent& audit, std::int64_t now) {
  entry.created_at = now;
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();  // a retried attempt starts over
    auto appended = tx.AppendRevocation(entry);
    if (!appended.ok()) return appended.error();
    revocations.push_back(std::move(*appended));
    return tx.AppendAudit(audit);
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return Ok();
}

Result<void> TokenServiceImpl::RevokeSession(std::string_view session_id, std::string_view actor) {
  const std::int64_t now = Now();
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    auto locked = tx.LockSession(session_id);
    if (!locked.ok()) return locked.error();
    if (!locked->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such session");
    JWTD_RETURN_IF_ERROR(EndFamily(tx, **locked, "operator_revoked", now, &revocations));
    AuditEvent audit =
        MakeAudit("revoke", "family_revoked", (*locked)->user_id, session_id, "", now);
    audit.detail = "actor=" + std::string(actor);
    return tx.AppendAudit(audit);
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return Ok();
}

}  // namespace jwtd::auth
