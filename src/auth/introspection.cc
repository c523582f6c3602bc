// RFC 7662 token introspection (POST /oauth/introspect). An inactive answer says nothing else
// (§2.2): revoked, expired, foreign and garbage tokens all look alike.
#include <string>

#include "jwtd/auth/user_id.h"
#include "refresh_token.h"
#include "token_service_impl.h"

namespace jwtd::auth {

Result<Introspection> TokenServiceImpl::Introspect(std::string_view token, TokenHint hint) {
  // The hint only orders the search (RFC 7662 §2.1).
  const bool refresh_first = hint == TokenHint::kRefreshToken;
  auto first = refresh_first ? IntrospectRefresh(token) : IntrospectAccess(token);
  if (!first.ok() || first->active) return first;
  return refresh_first ? IntrospectAccess(token) : IntrospectRefresh(token);
}

Result<Introspection> TokenServiceImpl::IntrospectAccess(std::string_view token) {
  // Exactly what Authenticate accepts: signature, time, iss/aud and the revocation view.
  auto claims = VerifyAccess(token);
  const auto parsed_id = claims.ok() ? ParseUserId((*claims)->sub()) : std::nullopt;
  if (!parsed_id) return Introspection{};
  const std::int64_t user_id = *parsed_id;
  auto user = FindUser(user_id);
  if (!user.ok()) return user.error();
  if (!user->has_value() || (*user)->disabled) return Introspection{};
  const jose::Claims& c = **claims;
  Introspection out;
  out.active = true;
  out.token_type = "access_token";
  out.claims = c;
  out.user_id = user_id;
  out.username = (*user)->username;
  out.sid = std::string(c.sid());
  out.scope = std::string(c.scope());
  out.exp = c.exp();
  out.iat = c.iat().value_or(0);
  return out;
}

Result<Introspection> TokenServiceImpl::IntrospectRefresh(std::string_view token) {
  if (!PlausibleRefreshToken(token)) return Introspection{};
  const std::string hash = HashRefreshToken(token);
  const std::int64_t now = Now();
  Introspection out;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    out = Introspection{};
    auto record = tx.FindRefresh(hash);
    if (!record.ok()) return record.error();
    if (!record->has_value() || !ConstantTimeEquals((*record)->token_hash, hash)) return Ok();
    auto session = tx.LockSession((*record)->session_id);
    if (!session.ok()) return session.error();
    if (!session->has_value()) return Ok();
    const Session& s = **session;
    // Active only if presenting it now would rotate it (a spent token is not active, even in a
    // grace window: it yields no new tokens, only the old answer).
    if ((*record)->state != RefreshState::kCurrent || (*record)->generation != s.generation ||
        !s.live() || Expired(s, now)) {
      return Ok();
    }
    auto user = tx.FindUserById(s.user_id);
    if (!user.ok()) return user.error();
    if (!user->has_value() || (*user)->disabled) return Ok();
    out.active = true;
    out.token_type = "refresh_token";
    out.user_id = s.user_id;
    out.username = (*user)->username;
    out.sid = s.id;
    out.scope = s.scope;
    out.exp = Deadline(s);
    out.iat = (*record)->created_at;
    return Ok();
  });
  if (!committed.ok()) return committed.error();
  return out;
}

}  // namespace jwtd::auth
