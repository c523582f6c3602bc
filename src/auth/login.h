// Registration and login (POST /v1/users, POST /v1/login): Argon2id off the store transaction,
// failed-login throttling (login_limiter.h) and the start of a session — one refresh family,
// RFC 9700 §4.14.2. The user lookup is a read-only transaction: logins do not queue behind the
// store's writer, only their final insert does.
//
// Thread-safety: immutable after construction; the limiter has its own synchronisation.
#pragma once

#include <string_view>

#include "jwtd/auth/model.h"
#include "jwtd/auth/options.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "login_limiter.h"
#include "password_hasher.h"
#include "session_families.h"

namespace jwtd::auth {

class PasswordLogin {
 public:
  // Every pointer must outlive this. `limiter` is shared with the password change (a wrong
  // current password counts as a failed login).
  PasswordLogin(const AuthOptions& options, Store* store, const PasswordHasher* hasher,
                LoginLimiter* limiter, const SessionFamilies* families, const Clock* clock)
      : options_(options),
        store_(store),
        hasher_(hasher),
        limiter_(limiter),
        families_(families),
        clock_(clock) {}

  [[nodiscard]] Result<User> Register(std::string_view username, std::string_view password,
                                      const ClientInfo& client);
  [[nodiscard]] Result<TokenResponse> SignIn(std::string_view username, std::string_view password,
                                             std::string_view scope, const ClientInfo& client);

 private:
  // The password check of an admitted attempt; resolves it in the limiter.
  Result<User> CheckPassword(std::string_view username, std::string_view password,
                             const ClientInfo& client);
  Result<TokenResponse> StartSession(std::int64_t user_id, std::string_view scope,
                                     const ClientInfo& client);
  Result<void> RecordFailure(std::optional<std::int64_t> user_id, AuditReason reason,
                             const ClientInfo& client);

  const AuthOptions& options_;
  Store* const store_;
  const PasswordHasher* const hasher_;
  LoginLimiter* const limiter_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
