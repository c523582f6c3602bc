#include "session_queries.h"

#include <algorithm>

#include "session_families.h"

namespace jwtd::auth {

Result<SessionList> SessionQueries::List(const Principal& principal,
                                         const std::optional<SessionCursor>& after,
                                         std::size_t limit) const {
  const std::int64_t now = clock_->NowSeconds();
  SessionPage page;
  page.user_id = principal.user_id;
  page.live_only = true;
  page.after = after;
  page.limit = std::clamp<std::size_t>(limit, 1, kMaxPage);
  SessionList out;
  auto read = store_->Read([&](StoreReadTx& tx) -> Result<void> {
    out = SessionList{};
    auto sessions = tx.ListSessions(page);
    if (!sessions.ok()) return sessions.error();
    for (const Session& s : *sessions) {
      if (SessionExpired(s, now)) continue;  // only sessions that can still refresh
      out.sessions.push_back(
          {s.id, s.created_at, s.last_used_at, s.user_agent, s.id == principal.sid});
    }
    // A full page may have more behind it (expired ones skipped still move the cursor).
    if (sessions->size() == page.limit) {
      out.next = SessionCursor{sessions->back().created_at, sessions->back().id};
    }
    return Ok();
  });
  if (!read.ok()) return read.error();
  return out;
}

Result<std::optional<User>> SessionQueries::FindUser(std::int64_t user_id) const {
  std::optional<User> found;
  auto read = store_->Read([&](StoreReadTx& tx) -> Result<void> {
    auto user = tx.FindUserById(user_id);
    if (!user.ok()) return user.error();
    found = std::move(*user);
    return Ok();
  });
  if (!read.ok()) return read.error();
  if (found) found->password_hash.clear();  // never leaves the domain
  return found;
}

}  // namespace jwtd::auth
