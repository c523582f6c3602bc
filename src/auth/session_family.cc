// Session families (RFC 9700 §4.14.2): minting a token pair for a session, ending a family, and
// the per-user version bump — the building blocks every flow composes inside one transaction.
#include <algorithm>
#include <string>

#include "refresh_token.h"
#include "token_service_impl.h"

namespace jwtd::auth {

std::int64_t TokenServiceImpl::DenyHorizon(std::int64_t now) const {
  // Any access token issued up to `now` has exp <= now + ttl and is accepted until exp + leeway.
  return now + options_.access_ttl_seconds + options_.leeway_seconds;
}

std::int64_t TokenServiceImpl::Deadline(const Session& session) {
  if (session.absolute_expires_at == 0) return session.idle_expires_at;
  return std::min(session.idle_expires_at, session.absolute_expires_at);
}

bool TokenServiceImpl::Expired(const Session& session, std::int64_t now) {
  return now >= Deadline(session);
}

Result<MintedPair> TokenServiceImpl::MintPair(const Session& session, std::int64_t ver,
                                              std::int64_t now) const {
  auto access = issuer_.Issue({session.user_id, session.id, ver, session.scope}, now);
  if (!access.ok()) return access.error();
  NewRefreshToken refresh = GenerateRefreshToken();
  MintedPair out;
  out.record.token_hash = std::move(refresh.hash);
  out.record.session_id = session.id;
  out.record.generation = session.generation;
  out.record.state = RefreshState::kCurrent;
  out.record.created_at = now;
  const std::int64_t deadline = Deadline(session);
  out.sealed_form = {access->token, access->exp, refresh.token, deadline, session.scope};
  out.response.access_token = std::move(access->token);
  out.response.expires_in = access->exp - now;
  out.response.refresh_token = std::move(refresh.token);
  out.response.refresh_expires_in = deadline - now;
  out.response.scope = session.scope;
  out.response.session_id = session.id;
  return out;
}

Result<void> TokenServiceImpl::EndFamily(StoreTx& tx, Session session, std::string_view reason,
                                         std::int64_t now, Revocations* out) const {
  if (!session.live()) return Ok();
  session.revoked_at = now;
  session.revoked_reason = std::string(reason);
  JWTD_RETURN_IF_ERROR(tx.UpdateSession(session));
  // Sealed successors would let a grace replay resurrect tokens of an ended family.
  JWTD_RETURN_IF_ERROR(tx.DropSessionRefreshes(session.id));
  return DenySession(tx, session.id, now, out);
}

Result<void> TokenServiceImpl::DenySession(StoreTx& tx, std::string_view sid, std::int64_t now,
                                           Revocations* out) const {
  if (!options_.strategies.denylist) return Ok();
  // api.md "denylist": every access token of an ended session is refused until its exp.
  RevocationEntry entry;
  entry.kind = RevocationKind::kSession;
  entry.key = std::string(sid);
  entry.expires_at = DenyHorizon(now);
  entry.created_at = now;
  auto appended = tx.AppendRevocation(std::move(entry));
  if (!appended.ok()) return appended.error();
  out->push_back(std::move(*appended));
  return Ok();
}

Result<void> TokenServiceImpl::EndUserFamilies(StoreTx& tx, std::int64_t user_id,
                                               std::string_view keep_sid, std::string_view reason,
                                               std::int64_t now, Revocations* out) const {
  auto sessions = tx.ListSessions(user_id);
  if (!sessions.ok()) return sessions.error();
  for (const Session& session : *sessions) {
    if (session.id == keep_sid) continue;
    JWTD_RETURN_IF_ERROR(EndFamily(tx, session, reason, now, out));
  }
  return Ok();
}

Result<std::int64_t> TokenServiceImpl::BumpVersion(StoreTx& tx, std::int64_t user_id,
                                                   std::int64_t now, Revocations* out) const {
  if (!options_.strategies.version) {
    // Without the strategy nothing reads the version: leave it (and the log) untouched.
    auto user = tx.FindUserById(user_id);
    if (!user.ok()) return user.error();
    if (!user->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such user");
    return (*user)->token_version;
  }
  auto version = tx.BumpTokenVersion(user_id);
  if (!version.ok()) return version.error();
  // api.md "version": access tokens with ver below the new version are refused until the
  // last of them expires.
  RevocationEntry entry;
  entry.kind = RevocationKind::kUserVersion;
  entry.key = std::to_string(user_id);
  entry.value = *version;
  entry.expires_at = DenyHorizon(now);
  entry.created_at = now;
  auto appended = tx.AppendRevocation(std::move(entry));
  if (!appended.ok()) return appended.error();
  out->push_back(std::move(*appended));
  return *version;
}

AuditEvent TokenServiceImpl::MakeAudit(std::string_view event, std::string_view reason,
                                       std::optional<std::int64_t> user_id, std::string_view sid,
                                       std::string_view client_ip, std::int64_t now) {
  AuditEvent a;
  a.at = now;
  a.event = std::string(event);
  a.reason = std::string(reason);
  a.user_id = user_id;
  a.session_id = std::string(sid);
  a.client_ip = std::string(client_ip);
  return a;
}

}  // namespace jwtd::auth
