// RFC 7662 token introspection (POST /oauth/introspect). An inactive answer says nothing else
// (§2.2): revoked, expired, foreign and garbage tokens all look alike. An access token is active
// exactly when the AccessChecker accepts it and its user exists and is not disabled; a refresh
// token when presenting it now would rotate it. Both read the store in read-only transactions.
//
// The user row an access token needs (its username, whether it is disabled) is remembered for
// kUserFreshNanos, so most access-token introspections need no store read at all and can be
// answered on the I/O thread (AnswerWithoutStore): a hop to the worker pool and back cost more
// than the rest of the request. The price: a user disabled on any node may still introspect as
// active for up to that long — when the revocation strategies did not already refuse the token.
//
// Thread-safety: every method may be called from any thread (the user cache has its own lock).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "jwtd/auth/access_checker.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"

namespace jwtd::auth {

class Introspector {
 public:
  // Every pointer must outlive this.
  Introspector(const AccessChecker* checker, Store* store, const Clock* clock)
      : checker_(checker), store_(store), clock_(clock) {}

  [[nodiscard]] Result<Introspection> Introspect(std::string_view token, TokenHint hint) const;
  // Introspect's answer when it needs no store read: an access token whose user is cached, or
  // a token that is neither a valid access token nor shaped like a refresh token (inactive).
  // nullopt: call Introspect (off the I/O thread).
  [[nodiscard]] std::optional<Introspection> AnswerWithoutStore(std::string_view token,
                                                                TokenHint hint) const;

  static constexpr std::int64_t kUserFreshNanos = 1'000'000'000;  // 1 s
  static constexpr std::size_t kMaxCachedUsers = 65'536;          // past it: start over

 private:
  struct CachedUser {
    std::string username;
    bool disabled = false;
    std::int64_t fetched_at = 0;  // Clock::MonotonicNanos
  };

  Result<Introspection> IntrospectAccess(std::string_view token) const;
  Result<Introspection> IntrospectRefresh(std::string_view token) const;
  static Introspection ActiveAccess(const jose::Claims& claims, std::int64_t user_id,
                                    std::string username);
  std::optional<CachedUser> CachedUserOf(std::int64_t user_id) const;
  void Remember(std::int64_t user_id, const User& user) const;

  const AccessChecker* const checker_;
  Store* const store_;
  const Clock* const clock_;
  mutable std::mutex users_mu_;
  mutable std::unordered_map<std::int64_t, CachedUser> users_;  // guarded by users_mu_
};

}  // namespace jwtd::auth
