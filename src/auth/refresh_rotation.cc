#include "refresh_rotation.h"

#include <string>

#include "jwtd/compare.h"
#include "refresh_token.h"

namespace jwtd::auth {
namespace {

Error RefreshRefused(Reason reason, const char* message) {
  return Error(Code::kUnauthenticated, reason, message);
}

}  // namespace

Result<TokenResponse> RefreshRotation::Refresh(std::string_view refresh_token,
                                               const ClientInfo& client) const {
  if (!PlausibleRefreshToken(refresh_token)) {
    return RefreshRefused(Reason::kRefreshUnknown, "unknown refresh token");
  }
  const std::string hash = HashRefreshToken(refresh_token);
  const std::int64_t now = clock_->NowSeconds();
  Outcome outcome;
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    outcome = Outcome{};  // Commit may retry the body: start clean every time
    auto family = LockRefreshFamily(batch.tx(), hash);
    if (!family.ok()) return family.error();
    if (!family->has_value()) {
      outcome.error = RefreshRefused(Reason::kRefreshUnknown, "unknown refresh token");
      return Ok();
    }
    return Decide(batch, refresh_token, **family, now, client, &outcome);
  });
  if (!committed.ok()) return committed.error();  // durable now: a reuse revocation holds
  if (outcome.error) return *outcome.error;
  return std::move(*outcome.tokens);
}

Result<void> RefreshRotation::Decide(RevocationBatch& batch, std::string_view token,
                                     const RefreshFamily& family, std::int64_t now,
                                     const ClientInfo& client, Outcome* out) const {
  const Session& session = family.session;
  const RefreshRecord& rec = family.record;
  if (!session.live()) {
    out->error = RefreshRefused(Reason::kRefreshRevoked, "refresh family revoked");
    return Ok();
  }
  if (SessionExpired(session, now)) {
    out->error = RefreshRefused(Reason::kRefreshExpired, "refresh token expired");
    return Ok();
  }
  // RFC 9449 §5: a bound session's refresh token is good only with a proof by its key. Refused
  // before anything else changes: a thief holding the token but not the key spends nothing and
  // trips nothing (a rotated token without the key is not evidence of a second holder).
  if (options_.dpop_required && session.dpop_jkt.empty()) {
    out->error = RefreshRefused(Reason::kDpopBinding, "the session is not DPoP-bound");
    return Ok();
  }
  if (!session.dpop_jkt.empty() && !ConstantTimeEquals(client.dpop_jkt, session.dpop_jkt)) {
    out->error = RefreshRefused(Reason::kDpopBinding,
                                client.dpop_jkt.empty()
                                    ? "refresh token is DPoP-bound: a proof by its key is required"
                                    : "the DPoP proof is signed by another key than the session's");
    return Ok();
  }
  if (rec.state == RefreshState::kCurrent && rec.generation == session.generation) {
    return Rotate(batch, token, rec, session, now, client, out);
  }
  if (InGraceWindow(rec, session, now)) return Replay(batch, token, rec, session, now, client, out);
  return Reuse(batch, session, now, client, out);
}

Result<void> RefreshRotation::Rotate(RevocationBatch& batch, std::string_view token,
                                     RefreshRecord record, const Session& session, std::int64_t now,
                                     const ClientInfo& client, Outcome* out) const {
  StoreTx& tx = batch.tx();
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
  auto pair = families_->MintPair(next, (*user)->token_version, now);
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
  JWTD_RETURN_IF_ERROR(tx.AppendAudit(MakeAudit(AuditKind::kRefresh, AuditReason::kRotated,
                                                session.user_id, session.id, client.address, now)));
  out->tokens = std::move(pair->response);
  return Ok();
}

bool RefreshRotation::InGraceWindow(const RefreshRecord& record, const Session& session,
                                    std::int64_t now) const {
  // Only the token just spent (its successor is still the current generation) and only while
  // the window lasts; an older generation is always reuse.
  return options_.refresh_grace_seconds > 0 && record.state == RefreshState::kRotated &&
         record.generation + 1 == session.generation && !record.sealed_successor.empty() &&
         now - record.rotated_at <= options_.refresh_grace_seconds;
}

Result<void> RefreshRotation::Replay(RevocationBatch& batch, std::string_view token,
                                     const RefreshRecord& record, const Session& session,
                                     std::int64_t now, const ClientInfo& client,
                                     Outcome* out) const {
  auto pair = OpenSuccessor(token, session.id, record.sealed_successor);
  if (!pair.ok()) return pair.error();
  TokenResponse tokens;
  tokens.access_token = std::move(pair->access_token);
  tokens.expires_in = pair->access_expires_at - now;
  tokens.refresh_token = std::move(pair->refresh_token);
  tokens.refresh_expires_in = pair->refresh_expires_at - now;
  tokens.scope = std::move(pair->scope);
  tokens.session_id = session.id;
  tokens.token_type = TokenTypeOf(session);
  JWTD_RETURN_IF_ERROR(
      batch.tx().AppendAudit(MakeAudit(AuditKind::kRefresh, AuditReason::kGraceReplay,
                                       session.user_id, session.id, client.address, now)));
  out->tokens = std::move(tokens);
  return Ok();
}

Result<void> RefreshRotation::Reuse(RevocationBatch& batch, const Session& session,
                                    std::int64_t now, const ClientInfo& client,
                                    Outcome* out) const {
  // RFC 9700 §4.14.2: a spent refresh token came back, so one of its two holders is an
  // attacker and we cannot tell which: end the whole family (and, with the denylist, its sid).
  JWTD_RETURN_IF_ERROR(families_->End(batch, session, EndReason::kReuseDetected, now));
  JWTD_RETURN_IF_ERROR(
      batch.tx().AppendAudit(MakeAudit(AuditKind::kReuseDetected, AuditReason::kFamilyRevoked,
                                       session.user_id, session.id, client.address, now)));
  out->error = RefreshRefused(Reason::kRefreshReused, "refresh token reused; family revoked");
  return Ok();
}

}  // namespace jwtd::auth
