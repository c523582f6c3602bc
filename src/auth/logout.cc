// Logout (one session), LogoutByRefresh, LogoutAll (every session; version bump) and the
// operator's RevokeUser, which is a logout-all without a surviving session.
#include <string>

#include "refresh_token.h"
#include "token_service_impl.h"

namespace jwtd::auth {
Result<void> TokenServiceImpl::Logout(const Principal& principal, const ClientInfo& client) {
  const std::int64_t now = Now();
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    auto locked = tx.LockSession(principal.sid);
    if (!locked.ok()) return locked.error();
    std::string_view reason = "family_revoked";
    if (locked->has_value() && (*locked)->user_id == principal.user_id) {
      if (!(*locked)->live()) reason = "already_ended";
      JWTD_RETURN_IF_ERROR(EndFamily(tx, **locked, "logout", now, &revocations));
    } else {
      // The row is gone (swept) but the caller's token is live: still refuse its sid.
      reason = "session_missing";
      JWTD_RETURN_IF_ERROR(DenySession(tx, principal.sid, now, &revocations));
    }
    return tx.AppendAudit(
        MakeAudit("logout", reason, principal.user_id, principal.sid, client.address, now));
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return Ok();
}

Result<void> TokenServiceImpl::LogoutByRefresh(std::string_view refresh_token,
                                               const ClientInfo& client) {
  // Idempotent: unknown tokens and ended families are ok; any token of a family ends it.
  if (!PlausibleRefreshToken(refresh_token)) return Ok();
  const std::string hash = HashRefreshToken(refresh_token);
  const std::int64_t now = Now();
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    auto found = tx.FindRefresh(hash);
    if (!found.ok()) return found.error();
    if (!found->has_value() || !ConstantTimeEquals((*found)->token_hash, hash)) return Ok();
    auto locked = tx.LockSession((*found)->session_id);
    if (!locked.ok()) return locked.error();
    if (!locked->has_value() || !(*locked)->live()) return Ok();
    JWTD_RETURN_IF_ERROR(EndFamily(tx, **locked, "logout", now, &revocations));
    return tx.AppendAudit(MakeAudit("logout", "family_revoked", (*locked)->user_id, (*locked)->id,
                                    client.address, now));
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return Ok();
}

Result<std::optional<TokenResponse>> TokenServiceImpl::LogoutAll(const Principal& principal,
                                                                 bool except_current,
                                                                 const ClientInfo& client) {
  std::optional<TokenResponse> fresh;
  JWTD_RETURN_IF_ERROR(RevokeUserFamilies(principal.user_id,
                                          except_current ? principal.sid : std::string_view(),
                                          "logout_all", "", client, &fresh));
  return fresh;
}

Result<void> TokenServiceImpl::RevokeUser(std::int64_t user_id, std::string_view actor) {
  std::optional<TokenResponse> unused;
  return RevokeUserFamilies(user_id, "", "revoke_user", actor, ClientInfo{}, &unused);
}

Result<void> TokenServiceImpl::RevokeUserFamilies(std::int64_t user_id, std::string_view keep_sid,
                                                  std::string_view event, std::string_view actor,
                                                  const ClientInfo& client,
                                                  std::optional<TokenResponse>* fresh_pair) {
  const std::int64_t now = Now();
  Revocations revocations;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    revocations.clear();
    fresh_pair->reset();
    auto version = BumpVersion(tx, user_id, now, &revocations);
    if (!version.ok()) return version.error();
    JWTD_RETURN_IF_ERROR(EndUserFamilies(tx, user_id, keep_sid, "logout_all", now, &revocations));
    if (!keep_sid.empty()) {
      JWTD_RETURN_IF_ERROR(
          RenewSession(tx, user_id, keep_sid, *version, now, &revocations, fresh_pair));
    }
    AuditEvent audit =
        MakeAudit(event, options_.strategies.version ? "version_bumped" : "family_revoked", user_id,
                  keep_sid, client.address, now);
    if (!actor.empty()) audit.detail = "actor=" + std::string(actor);
    return tx.AppendAudit(audit);
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(revocations);
  return Ok();
}

Result<void> TokenServiceImpl::RenewSession(StoreTx& tx, std::int64_t user_id, std::string_view sid,
                                            std::int64_t ver, std::int64_t now,
                                            Revocations* revocations,
                                            std::optional<TokenResponse>* fresh_pair) const {
  auto locked = tx.LockSession(sid);
  if (!locked.ok()) return locked.error();
  if (!locked->has_value() || (*locked)->user_id != user_id) return Ok();
  const Session& session = **locked;
  // A calling session that already ended or expired cannot survive: end it like the others.
  if (!session.live() || Expired(session, now)) {
    return EndFamily(tx, session, "logout_all", now, revocations);
  }
  // The survivor gets a new access token carrying the new ver, and nothing more: its refresh
  // token stays the one it holds. Minting a refresh token here would turn a stolen access token
  // (all this endpoint asks for) into a long-lived, renewable refresh token.
  auto access = issuer_.Issue({session.user_id, session.id, ver, session.scope}, now);
  if (!access.ok()) return access.error();
  TokenResponse response;
  response.access_token = std::move(access->token);
  response.expires_in = access->exp - now;
  response.scope = session.scope;
  response.session_id = session.id;
  *fresh_pair = std::move(response);
  return Ok();
}

}  // namespace jwtd::auth
