// The reads behind GET /v1/sessions and GET /v1/me's username: read-only transactions that never
// wait for the store's writer.
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <cstddef>
#include <optional>

#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"

namespace jwtd::auth {

class SessionQueries {
 public:
  static constexpr std::size_t kMaxPage = 1000;

  // Every pointer must outlive this.
  SessionQueries(Store* store, const Clock* clock) : store_(store), clock_(clock) {}

  // The caller's sessions that can still refresh (live, not expired), newest first; `limit` is
  // clamped to [1, kMaxPage].
  [[nodiscard]] Result<SessionList> List(const Principal& principal,
                                         const std::optional<SessionCursor>& after,
                                         std::size_t limit) const;
  // The user without its password hash; nullopt if there is none.
  [[nodiscard]] Result<std::optional<User>> FindUser(std::int64_t user_id) const;

 private:
  Store* const store_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
