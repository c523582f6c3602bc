// StoreTx of the in-memory store: every method reads and writes the transaction's own copy of
// the state; MemoryStore::Transact publishes the copy on success.
#include <algorithm>

#include "jwtd/store/limits.h"
#include "store/memory/memory_state.h"

namespace jwtd::store::memory {
namespace {

using auth::AuditEvent;
using auth::RefreshRecord;
using auth::RevocationEntry;
using auth::Session;
using auth::User;

Error NotFound(std::string what) { return Error(Code::kNotFound, Reason::kNotFound, what); }
Error Exists(std::string what) { return Error(Code::kAlreadyExists, Reason::kAlreadyExists, what); }
// The SQLite store reports a foreign-key violation as kInternal: it is a caller bug.
Error MissingParent(std::string what) {
  return Error(Code::kInternal, Reason::kInternal, "foreign key: " + what);
}

class MemoryTx final : public auth::StoreTx {
 public:
  explicit MemoryTx(State& state) : s_(state) {}

  Result<User> InsertUser(std::string_view username, std::string_view password_hash,
                          std::int64_t now) override {
    if (s_.user_ids_by_name.contains(username)) return Exists("username taken");
    User user;
    user.id = ++s_.last_user_id;
    user.username = std::string(username);
    user.password_hash = std::string(password_hash);
    user.created_at = now;
    s_.user_ids_by_name.emplace(user.username, user.id);
    s_.users.emplace(user.id, user);
    return user;
  }

  Result<std::optional<User>> FindUserByName(std::string_view username) override {
    auto it = s_.user_ids_by_name.find(username);
    if (it == s_.user_ids_by_name.end()) return std::optional<User>();
    return FindUserById(it->second);
  }

  Result<std::vector<User>> FindUsersByName(const std::vector<std::string>& names) override {
    std::vector<User> users;
    for (const std::string& name : names) {
      auto it = s_.user_ids_by_name.find(name);
      if (it != s_.user_ids_by_name.end()) users.push_back(s_.users.at(it->second));
    }
    return users;
  }

  Result<std::optional<User>> FindUserById(std::int64_t id) override {
    auto it = s_.users.find(id);
    if (it == s_.users.end()) return std::optional<User>();
    return std::optional<User>(it->second);
  }

  Result<std::vector<User>> ListUsers(std::size_t limit, std::size_t offset) override {
    limit = std::min(limit, kMaxRowsPerRead);
    std::vector<User> out;
    for (const auto& [id, user] : s_.users) {
      if (out.size() == limit) break;
      if (offset > 0) {
        --offset;
        continue;
      }
      out.push_back(user);
    }
    return out;
  }

  Result<void> SetUserDisabled(std::int64_t id, bool disabled) override {
    auto it = s_.users.find(id);
    if (it == s_.users.end()) return NotFound("no such user");
    it->second.disabled = disabled;
    return Ok();
  }

  // The whole state is the transaction's own copy: nothing else can hold the row.
  Result<std::int64_t> LockBulkJob(std::string_view job, std::int64_t /*now*/) override {
    return s_.bulk_jobs.try_emplace(std::string(job), 0).first->second;
  }

  Result<void> SetBulkJobOffset(std::string_view job, std::int64_t next_offset,
                                std::int64_t /*now*/) override {
    auto it = s_.bulk_jobs.find(job);
    if (it == s_.bulk_jobs.end()) return NotFound("no such bulk job");
    it->second = next_offset;
    return Ok();
  }

  Result<void> SetPasswordHash(std::int64_t id, std::string_view password_hash) override {
    auto it = s_.users.find(id);
    if (it == s_.users.end()) return NotFound("no such user");
    it->second.password_hash = std::string(password_hash);
    return Ok();
  }

  Result<std::int64_t> BumpTokenVersion(std::int64_t user_id) override {
    auto it = s_.users.find(user_id);
    if (it == s_.users.end()) return NotFound("no such user");
    return ++it->second.token_version;
  }

  Result<void> InsertSession(const Session& session) override {
    if (!s_.users.contains(session.user_id)) return MissingParent("session user");
    if (s_.sessions.contains(session.id)) return Exists("session id taken");
    s_.sessions.emplace(session.id, State::SessionRow{session, ++s_.last_session_order});
    return Ok();
  }

  Result<std::optional<User>> LockUser(std::int64_t id) override {
    return FindUserById(id);  // the store's one mutex already serialises whole transactions
  }

  Result<std::optional<Session>> FindSession(std::string_view id) override {
    auto it = s_.sessions.find(id);
    if (it == s_.sessions.end()) return std::optional<Session>();
    return std::optional<Session>(it->second.session);
  }

  Result<std::optional<Session>> LockSession(std::string_view id) override {
    return FindSession(id);
  }

  Result<std::vector<Session>> LockSessions(const auth::SessionPage& page) override {
    return ListSessions(page);
  }

  Result<void> UpdateSession(const Session& session) override {
    auto it = s_.sessions.find(session.id);
    if (it == s_.sessions.end()) return NotFound("no such session");
    if (!s_.users.contains(session.user_id)) return MissingParent("session user");
    it->second.session = session;
    return Ok();
  }

  // Newest first: created_at descending, then id descending (the SQL stores' order).
  Result<std::vector<Session>> ListSessions(const auth::SessionPage& page) override {
    auto newer = [](std::int64_t a_at, std::string_view a_id, std::int64_t b_at,
                    std::string_view b_id) { return a_at != b_at ? a_at > b_at : a_id > b_id; };
    std::vector<const Session*> rows;
    for (const auto& [id, row] : s_.sessions) {
      const Session& s = row.session;
      if (s.user_id != page.user_id || (page.live_only && !s.live())) continue;
      // Keyset: only sessions older than the cursor.
      if (page.after && !newer(page.after->created_at, page.after->id, s.created_at, s.id)) {
        continue;
      }
      rows.push_back(&s);
    }
    std::sort(rows.begin(), rows.end(), [&](const Session* a, const Session* b) {
      return newer(a->created_at, a->id, b->created_at, b->id);
    });
    const std::size_t limit = std::min(page.limit, kMaxRowsPerRead);
    if (rows.size() > limit) rows.resize(limit);
    std::vector<Session> out;
    for (const Session* row : rows) out.push_back(*row);
    return out;
  }

  Result<void> InsertRefresh(const RefreshRecord& record) override {
    // SQLite's key is NOT NULL and an empty BLOB binds as NULL: refuse it here alike.
    if (record.token_hash.empty())
      return Error(Code::kInternal, Reason::kInternal, "empty token hash");
    if (!s_.sessions.contains(record.session_id)) return MissingParent("refresh session");
    if (s_.refreshes.contains(record.token_hash)) return Exists("refresh hash taken");
    s_.refreshes.emplace(record.token_hash, record);
    return Ok();
  }

  Result<std::optional<RefreshRecord>> FindRefresh(std::string_view token_hash) override {
    auto it = s_.refreshes.find(token_hash);
    if (it == s_.refreshes.end()) return std::optional<RefreshRecord>();
    return std::optional<RefreshRecord>(it->second);
  }

  Result<void> UpdateRefresh(const RefreshRecord& record) override {
    auto it = s_.refreshes.find(record.token_hash);
    if (it == s_.refreshes.end()) return NotFound("no such refresh record");
    if (!s_.sessions.contains(record.session_id)) return MissingParent("refresh session");
    it->second = record;
    return Ok();
  }

  Result<void> DropSessionRefreshes(std::string_view session_id) override {
    for (auto& [hash, record] : s_.refreshes) {
      if (record.session_id == session_id) record.sealed_successor.clear();
    }
    return Ok();
  }

  Result<void> AppendRevocation(const RevocationEntry& entry, std::int64_t* seq) override {
    RevocationEntry row = entry;
    row.seq = ++s_.last_seq;
    s_.revocations.emplace(row.seq, row);
    *seq = row.seq;
    return Ok();
  }

  Result<void> AppendAudit(const AuditEvent& event) override {
    AuditEvent row = event;
    row.id = ++s_.last_audit_id;
    s_.audit.push_back(std::move(row));
    return Ok();
  }

  Result<void> AppendSecurityEvent(const auth::SecurityEvent& event) override {
    auth::SecurityEvent row = event;
    row.id = ++s_.last_security_event_id;
    s_.security_events.push_back(std::move(row));
    return Ok();
  }

 private:
  State& s_;
};

}  // namespace

std::unique_ptr<auth::StoreTx> NewMemoryTx(State& state) {
  return std::make_unique<MemoryTx>(state);
}

}  // namespace jwtd::store::memory
