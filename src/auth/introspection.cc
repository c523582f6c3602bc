#include "introspection.h"

#include <string>

#include "jwtd/auth/user_id.h"
#include "refresh_lookup.h"
#include "refresh_token.h"
#include "session_families.h"

namespace jwtd::auth {

Result<Introspection> Introspector::Introspect(std::string_view token, TokenHint hint) const {
  // The hint only orders the search (RFC 7662 §2.1).
  const bool refresh_first = hint == TokenHint::kRefreshToken;
  auto first = refresh_first ? IntrospectRefresh(token) : IntrospectAccess(token);
  if (!first.ok() || first->active) return first;
  return refresh_first ? IntrospectAccess(token) : IntrospectRefresh(token);
}

std::optional<Introspection> Introspector::AnswerWithoutStore(std::string_view token,
                                                              TokenHint hint) const {
  // Refresh tokens are base64url, which has no '.'; every JWS has two.
  const bool maybe_refresh =
      PlausibleRefreshToken(token) && token.find('.') == std::string_view::npos;
  if (hint == TokenHint::kRefreshToken && maybe_refresh) return std::nullopt;
  auto claims = checker_->Check(token);
  const auto user_id = claims.ok() ? ParseUserId((*claims)->sub()) : std::nullopt;
  if (!user_id) {
    if (maybe_refresh) return std::nullopt;
    return Introspection{};
  }
  auto cached = CachedUserOf(*user_id);
  if (!cached) return std::nullopt;
  if (cached->disabled) return Introspection{};
  return ActiveAccess(**claims, *user_id, std::move(cached->username));
}

std::optional<Introspector::CachedUser> Introspector::CachedUserOf(std::int64_t user_id) const {
  const std::int64_t now = clock_->MonotonicNanos();
  std::lock_guard lock(users_mu_);
  auto it = users_.find(user_id);
  if (it == users_.end() || now - it->second.fetched_at >= kUserFreshNanos) return std::nullopt;
  return it->second;
}

void Introspector::Remember(std::int64_t user_id, const User& user) const {
  CachedUser entry{user.username, user.disabled, clock_->MonotonicNanos()};
  std::lock_guard lock(users_mu_);
  // Entries older than the freshness bound are worth nothing: starting over when full keeps the
  // memory bounded without an eviction order.
  if (users_.size() >= kMaxCachedUsers && users_.count(user_id) == 0) users_.clear();
  users_[user_id] = std::move(entry);
}

Introspection Introspector::ActiveAccess(const jose::Claims& c, std::int64_t user_id,
                                         std::string username) {
  Introspection out;
  out.active = true;
  out.token_type = "access_token";
  out.claims = c;
  out.user_id = user_id;
  out.username = std::move(username);
  out.sid = std::string(c.sid());
  out.scope = std::string(c.scope());
  out.exp = c.exp();
  out.iat = c.iat().value_or(0);
  return out;
}

Result<Introspection> Introspector::IntrospectAccess(std::string_view token) const {
  // Exactly what Authenticate accepts: signature, time, iss/aud and the revocation view.
  auto claims = checker_->Check(token);
  const auto user_id = claims.ok() ? ParseUserId((*claims)->sub()) : std::nullopt;
  if (!user_id) return Introspection{};
  std::optional<User> user;
  auto read = store_->Read([&](StoreReadTx& tx) -> Result<void> {
    auto found = tx.FindUserById(*user_id);
    if (!found.ok()) return found.error();
    user = std::move(*found);
    return Ok();
  });
  if (!read.ok()) return read.error();
  if (!user) return Introspection{};
  Remember(*user_id, *user);
  if (user->disabled) return Introspection{};
  return ActiveAccess(**claims, *user_id, user->username);
}

Result<Introspection> Introspector::IntrospectRefresh(std::string_view token) const {
  if (!PlausibleRefreshToken(token)) return Introspection{};
  const std::string hash = HashRefreshToken(token);
  const std::int64_t now = clock_->NowSeconds();
  Introspection out;
  auto read = store_->Read([&](StoreReadTx& tx) -> Result<void> {
    out = Introspection{};
    auto family = ReadRefreshFamily(tx, hash);
    if (!family.ok()) return family.error();
    if (!family->has_value()) return Ok();
    const RefreshRecord& record = (*family)->record;
    const Session& s = (*family)->session;
    // Active only if presenting it now would rotate it (a spent token is not active, even in a
    // grace window: it yields no new tokens, only the old answer).
    if (record.state != RefreshState::kCurrent || record.generation != s.generation || !s.live() ||
        SessionExpired(s, now)) {
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
    out.exp = RefreshDeadline(s);
    out.iat = record.created_at;
    return Ok();
  });
  if (!read.ok()) return read.error();
  return out;
}

}  // namespace jwtd::auth
