#include "session_families.h"

#include <algorithm>
#include <string>

#include "refresh_token.h"
#include "revocation_entries.h"

namespace jwtd::auth {
namespace {

// Sessions ended per page by EndAllOfUser: bounded memory, few round trips.
constexpr std::size_t kEndPage = 500;

}  // namespace

std::int64_t RefreshDeadline(const Session& session) {
  if (session.absolute_expires_at == 0) return session.idle_expires_at;
  return std::min(session.idle_expires_at, session.absolute_expires_at);
}

bool SessionExpired(const Session& session, std::int64_t now) {
  return now >= RefreshDeadline(session);
}

std::int64_t SessionFamilies::DenyHorizon(std::int64_t now) const {
  // Any access token issued up to `now` has exp <= now + ttl and is accepted until exp + leeway.
  return now + options_.access_ttl_seconds + options_.leeway_seconds;
}

Result<MintedPair> SessionFamilies::MintPair(const Session& session, std::int64_t ver,
                                             std::int64_t now) const {
  // A bound session's access tokens are bound to its key (RFC 9449 §5); an unbound one's are
  // bearer tokens, whatever proof came with a refresh: the binding is the login's.
  auto access =
      issuer_->Issue({session.user_id, session.id, ver, session.scope, 0, session.dpop_jkt}, now);
  if (!access.ok()) return access.error();
  NewRefreshToken refresh = GenerateRefreshToken();
  MintedPair out;
  out.record.token_hash = std::move(refresh.hash);
  out.record.session_id = session.id;
  out.record.generation = session.generation;
  out.record.state = RefreshState::kCurrent;
  out.record.created_at = now;
  const std::int64_t deadline = RefreshDeadline(session);
  out.sealed_form = {access->token, access->exp, refresh.token, deadline, session.scope};
  out.response.access_token = std::move(access->token);
  out.response.expires_in = access->exp - now;
  out.response.refresh_token = std::move(refresh.token);
  out.response.refresh_expires_in = deadline - now;
  out.response.scope = session.scope;
  out.response.session_id = session.id;
  out.response.token_type = TokenTypeOf(session);
  return out;
}

Result<void> SessionFamilies::End(RevocationBatch& batch, Session session, EndReason reason,
                                  std::int64_t now) const {
  return EndLive(batch, std::move(session), reason, now, /*deny_sid=*/true, /*emit=*/true);
}

Result<void> SessionFamilies::EndLive(RevocationBatch& batch, Session session, EndReason reason,
                                      std::int64_t now, bool deny_sid, bool emit) const {
  if (!session.live()) return Ok();
  session.revoked_at = now;
  session.revoked_reason = std::string(EndReasonName(reason));
  JWTD_RETURN_IF_ERROR(batch.tx().UpdateSession(session));
  if (emit)
    JWTD_RETURN_IF_ERROR(batch.Emit(SessionRevoked(session.user_id, session.id, reason, now)));
  // Sealed successors would let a grace replay resurrect tokens of an ended family.
  JWTD_RETURN_IF_ERROR(batch.tx().DropSessionRefreshes(session.id));
  return deny_sid ? DenySession(batch, session.id, now) : Ok();
}

Result<void> SessionFamilies::DenySession(RevocationBatch& batch, std::string_view sid,
                                          std::int64_t now) const {
  if (!options_.strategies.denylist) return Ok();
  // api.md "denylist": every access token of an ended session is refused until its exp.
  return batch.Append(SessionDenial(sid, DenyHorizon(now), now));
}

Result<void> SessionFamilies::EndAllOfUser(RevocationBatch& batch, std::int64_t user_id,
                                           std::string_view keep_sid, EndReason reason,
                                           bool version_bumped, std::int64_t now) const {
  SessionPage page;
  page.user_id = user_id;
  page.live_only = true;
  page.limit = kEndPage;
  for (;;) {
    auto sessions = batch.tx().LockSessions(page);
    if (!sessions.ok()) return sessions.error();
    for (Session& session : *sessions) {
      if (session.id == keep_sid) continue;
      JWTD_RETURN_IF_ERROR(
          EndLive(batch, session, reason, now, /*deny_sid=*/!version_bumped, /*emit=*/false));
    }
    if (sessions->size() < page.limit) return Ok();
    page.after = SessionCursor{sessions->back().created_at, sessions->back().id};
  }
}

Result<std::int64_t> SessionFamilies::BumpVersion(RevocationBatch& batch, std::int64_t user_id,
                                                  std::int64_t now) const {
  if (!options_.strategies.version) {
    // Without the strategy nothing reads the version: leave it (and the log) untouched.
    auto user = batch.tx().FindUserById(user_id);
    if (!user.ok()) return user.error();
    if (!user->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such user");
    return (*user)->token_version;
  }
  auto version = batch.tx().BumpTokenVersion(user_id);
  if (!version.ok()) return version.error();
  // api.md "version": access tokens with ver below the new version are refused until the
  // last of them expires.
  JWTD_RETURN_IF_ERROR(batch.Append(VersionFloor(user_id, *version, DenyHorizon(now), now)));
  return *version;
}

Result<std::int64_t> SessionFamilies::EndEverySession(RevocationBatch& batch, std::int64_t user_id,
                                                      std::string_view keep_sid, EndReason reason,
                                                      std::int64_t now) const {
  // The user row is locked first, so no login slips in beside (ports.h LockUser). With the
  // version strategy the version's UPDATE is that lock (and finds a missing user): one round
  // trip per user less, which a mass logout pays once per user.
  if (!options_.strategies.version) {
    auto user = batch.tx().LockUser(user_id);
    if (!user.ok()) return user.error();
    if (!user->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such user");
  }
  auto version = BumpVersion(batch, user_id, now);
  if (!version.ok()) return version.error();
  JWTD_RETURN_IF_ERROR(
      EndAllOfUser(batch, user_id, keep_sid, reason, options_.strategies.version, now));
  // One event for the user (CAEP session-revoked with the user as subject), not one per session.
  JWTD_RETURN_IF_ERROR(batch.Emit(SessionRevoked(user_id, "", reason, now)));
  return *version;
}

Result<std::optional<TokenResponse>> SessionFamilies::RenewKept(RevocationBatch& batch,
                                                                const Principal& principal,
                                                                std::int64_t ver, EndReason reason,
                                                                std::int64_t now) const {
  auto locked = batch.tx().LockSession(principal.sid);
  if (!locked.ok()) return locked.error();
  if (!locked->has_value() || (*locked)->user_id != principal.user_id) {
    return std::optional<TokenResponse>();
  }
  const Session& session = **locked;
  // A calling session that already ended or expired cannot survive: end it like the others.
  if (!session.live() || SessionExpired(session, now)) {
    JWTD_RETURN_IF_ERROR(End(batch, session, reason, now));
    return std::optional<TokenResponse>();
  }
  auto access = issuer_->Issue({session.user_id, session.id, ver, session.scope,
                                /*not_after=*/principal.exp, session.dpop_jkt},
                               now);
  if (!access.ok()) return access.error();
  TokenResponse response;
  response.access_token = std::move(access->token);
  response.expires_in = access->exp - now;
  response.scope = session.scope;
  response.session_id = session.id;
  response.token_type = TokenTypeOf(session);
  return std::optional<TokenResponse>(std::move(response));
}

AuditReason SessionFamilies::UserWideEndReason() const {
  return options_.strategies.version ? AuditReason::kVersionBumped : AuditReason::kFamilyRevoked;
}

SecurityEvent SessionRevoked(std::int64_t user_id, std::string_view sid, EndReason reason,
                             std::int64_t now) {
  SecurityEvent event;
  event.kind = SecurityEventKind::kSessionRevoked;
  event.user_id = user_id;
  event.session_id = std::string(sid);
  event.reason = std::string(EndReasonName(reason));
  event.at = now;
  return event;
}

AuditEvent MakeAudit(AuditKind kind, AuditReason reason, std::optional<std::int64_t> user_id,
                     std::string_view sid, std::string_view client_ip, std::int64_t now,
                     std::string detail) {
  AuditEvent a;
  a.at = now;
  a.event = std::string(AuditKindName(kind));
  a.reason = std::string(AuditReasonName(reason));
  a.user_id = user_id;
  a.session_id = std::string(sid);
  a.client_ip = std::string(client_ip);
  a.detail = std::move(detail);
  return a;
}

}  // namespace jwtd::auth
