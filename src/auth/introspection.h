// RFC 7662 token introspection (POST /oauth/introspect). An inactive answer says nothing else
// (§2.2): revoked, expired, foreign and garbage tokens all look alike. An access token is active
// exactly when the AccessChecker accepts it; a refresh token when presenting it now would rotate
// it. Both read the store in read-only transactions.
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <string_view>

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

 private:
  Result<Introspection> IntrospectAccess(std::string_view token) const;
  Result<Introspection> IntrospectRefresh(std::string_view token) const;

  const AccessChecker* const checker_;
  Store* const store_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
