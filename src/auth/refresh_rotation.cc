// Refresh (design.md "Refresh rotation", RFC 9700 §4.14.2): one transaction per presented token.
//   current generation       -> rotate: spend it, mint generation + 1
//   just rotated, in grace   -> the sealed successor, byte for byte (no second branch)
//   anything else            -> reuse: the whole family is revoked (theft assumed)
// The session row is locked first, so concurrent refreshes of one family are single-flight: the
// loser re-reads the record under the lock and sees it rotated.
#include <string>

#include "refresh_token.h"
#include "token_service_impl.h"

namespace jwtd::auth {
namespace {

Error RefreshRefused(Reason reason, const char* message) {
  return Error(Code::kUnauthenticated, reason, message);
}

}  // namespace

Result<TokenResponse> TokenServiceImpl::Refresh(std::string_view refresh_token,
                                                const ClientInfo& client) {
  if (!PlausibleRefreshToken(refresh_token)) {
    return RefreshRefused(Reason::kRefreshUnknown, "unknown refresh token");
  }
  const std::string hash = HashRefreshToken(refresh_token);
  const std::int64_t now = Now();
  RefreshOutcome outcome;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    outcome = RefreshOutcome{};  // Transact may retry fn: start clean every time
    return RefreshInTx(tx, refresh_token, hash, now, client, &outcome);
  });
  if (!committed.ok()) return committed.error();
  ApplyCommitted(outcome.revocations);  // durable now: the reuse revocation takes effect
  if (outcome.error) return *outcome.error;
  return std::move(*outcome.tokens);
}

Result<void> TokenServiceImpl::RefreshInTx(StoreTx& tx, std::string_view token,
                                           std::string_view hash, std::int64_t now,
                                           const ClientInfo& client, RefreshOutcome* out) const {
  auto found = tx.FindRefresh(hash);
  if (!found.ok()) return found.error();
  if (!found->has_value() || !ConstantTimeEquals((*found)->token_hash, hash)) {
    out->error = RefreshRefused(Reason::kRefreshUnknown, "unknown refresh token");
    return Ok();
  }
  auto locked = tx.LockSession((*found)->session_id);
  if (!locked.ok()) return locked.error();
  if (!locked->has_value()) {
    out->error = RefreshRefused(Reason::kRefreshUnknown, "refresh token without session");
    return Ok();
  }
  const Session& session = **locked;
  // Re-read under the lock: a concurrent rotation may have committed since the first read.
  auto record = tx.FindRefresh(hash);
  if (!record.ok()) return record.error();
  if (!record->has_value()) {
    out->error = RefreshRefused(Reason::kRefreshUnknown, "unknown refresh token");
    return Ok();
  }
  if (!session.live()) {
    out->error = RefreshRefused(Reason::kRefreshRevoked, "refresh family revoked");
    return Ok();
  }
  if (Expired(session, now)) {
    out->error = RefreshRefused(Reason::kRefreshExpired, "refresh token expired");
    return Ok();
  }
  const RefreshRecord& rec = **record;
  if (rec.state == RefreshState::kCurrent && rec.generation == session.generation) {
    return RotateInTx(tx, token, rec, session, now, client, out);
  }
  if (InGraceWindow(rec, session, now)) {
    return ReplayInTx(tx, token, rec, session, now, client, out);
  }
  return ReuseInTx(tx, session, now, client, out);
}

Result<void> TokenServiceImpl::RotateInTx(StoreTx& tx, std::string_view token, RefreshRecord record,
                                          const Session& session, std::int64_t now,
                                          const ClientInfo& client, RefreshOutcome* out) const {
  auto user = tx.FindUserById(session.user_id);
  if (!user.ok()) return user.error();
  if (!user->has_value() || (*user)->disabled) {
    out->error = RefreshRefused(Reason::kUserDisabled, "account disabled or removed");
    return Ok();
  }
  Session next = session;
  next.generation = session.generation + 1;
  next.last_used_at = now;
  next.idle_expires_at = now + options_.refresh_ttl_seconds;  // idle lifetime renews
  auto pair = MintPair(next, (*user)->token_version, now);
  if (!pair.ok()) return pair.error();
  record.state = RefreshState::kRotated;
  record.rotated_at = now;
  if (options_.refresh_grace_seconds > 0) {
    // Only the token spent now can be replayed from here on (InGraceWindow): the previous
    // generation's sealed successor is useless, and a database copy plus that old token would
    // open it (docs/security.md, insider). It was sealed when this record was created; while
    // its window is open it goes in this transaction. Once closed it is the maintenance
    // sweep's (Store::ForgetSealedSuccessors): the clear reads every row of the session, one
    // per rotation, too costly for each rotation of a long-lived session.
    if (now - record.created_at <= options_.refresh_grace_seconds) {
      JWTD_RETURN_IF_ERROR(tx.DropSessionRefreshes(session.id));
    }
    auto sealed = SealSuccessor(token, session.id, pair->sealed_form);
    if (!sealed.ok()) return sealed.error();
    record.sealed_successor = std::move(*sealed);
  }
  JWTD_RETURN_IF_ERROR(tx.UpdateRefresh(record));
  JWTD_RETURN_IF_ERROR(tx.InsertRefresh(pair->record));
  JWTD_RETURN_IF_ERROR(tx.UpdateSession(next));
  JWTD_RETURN_IF_ERROR(tx.AppendAudit(
      MakeAudit("refresh", "rotated", session.user_id, session.id, client.address, now)));
  out->tokens = std::move(pair->response);
  return Ok();
}

bool TokenServiceImpl::InGraceWindow(const RefreshRecord& record, const Session& session,
                                     std::int64_t now) const {
  // Only the token just spent (its successor is still the current generation) and only while
  // the window lasts; an older generation is always reuse.
  return options_.refresh_grace_seconds > 0 && record.state == RefreshState::kRotated &&
         record.generation + 1 == session.generation && !record.sealed_successor.empty() &&
         now - record.rotated_at <= options_.refresh_grace_seconds;
}

Result<void> TokenServiceImpl::ReplayInTx(StoreTx& tx, std::string_view token,
                                          const RefreshRecord& record, const Session& session,
                                          std::int64_t now, const ClientInfo& client,
                                          RefreshOutcome* out) const {
  auto pair = OpenSuccessor(token, session.id, record.sealed_successor);
  if (!pair.ok()) return pair.error();
  TokenResponse tokens;
  tokens.access_token = std::move(pair->access_token);
  tokens.expires_in = pair->access_expires_at - now;
  tokens.refresh_token = std::move(pair->refresh_token);
  tokens.refresh_expires_in = pair->refresh_expires_at - now;
  tokens.scope = std::move(pair->scope);
  tokens.session_id = session.id;
  JWTD_RETURN_IF_ERROR(tx.AppendAudit(
      MakeAudit("refresh", "grace_replay", session.user_id, session.id, client.address, now)));
  out->tokens = std::move(tokens);
  return Ok();
}

Result<void> TokenServiceImpl::ReuseInTx(StoreTx& tx, const Session& session, std::int64_t now,
                                         const ClientInfo& client, RefreshOutcome* out) const {
  // RFC 9700 §4.14.2: a spent refresh token came back, so one of its two holders is an
  // attacker and we cannot tell which: end the whole family (and, with the denylist, its sid).
  JWTD_RETURN_IF_ERROR(EndFamily(tx, session, "reuse_detected", now, &out->revocations));
  JWTD_RETURN_IF_ERROR(tx.AppendAudit(MakeAudit("reuse_detected", "family_revoked", session.user_id,
                                                session.id, client.address, now)));
  out->error = RefreshRefused(Reason::kRefreshReused, "refresh token reused; family revoked");
  return Ok();
}

}  // namespace jwtd::auth
