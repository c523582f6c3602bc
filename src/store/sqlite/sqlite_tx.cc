#include "store/sqlite/sqlite_tx.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "jwtd/store/limits.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_ssf.h"

namespace jwtd::store::sqlite {
namespace {

using auth::AuditEvent;
using auth::RefreshRecord;
using auth::RevocationEntry;
using auth::Session;
using auth::User;

constexpr std::string_view kInsertUser =
    "INSERT INTO users(username, password_hash, disabled, token_version, created_at)"
    " VALUES (?1, ?2, 0, 1, ?3) RETURNING " JWTD_SQLITE_USER_COLUMNS;
constexpr std::string_view kUserByName =
    "SELECT " JWTD_SQLITE_USER_COLUMNS " FROM users WHERE username = ?1";
constexpr std::string_view kUserById =
    "SELECT " JWTD_SQLITE_USER_COLUMNS " FROM users WHERE id = ?1";
constexpr std::string_view kListUsers =
    "SELECT " JWTD_SQLITE_USER_COLUMNS " FROM users ORDER BY id LIMIT ?1 OFFSET ?2";
constexpr std::string_view kSetDisabled = "UPDATE users SET disabled = ?2 WHERE id = ?1";
constexpr std::string_view kSetPasswordHash = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
constexpr std::string_view kBumpVersion =
    "UPDATE users SET token_version = token_version + 1 WHERE id = ?1 RETURNING token_version";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions(" JWTD_SQLITE_SESSION_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr std::string_view kSessionById =
    "SELECT " JWTD_SQLITE_SESSION_COLUMNS " FROM sessions WHERE id = ?1";
constexpr std::string_view kUpdateSession =
    "UPDATE sessions SET user_id = ?2, generation = ?3, created_at = ?4, last_used_at = ?5,"
    " idle_expires_at = ?6, absolute_expires_at = ?7, revoked_at = ?8, revoked_reason = ?9,"
    " scope = ?10, user_agent = ?11, client_ip = ?12, dpop_jkt = ?13 WHERE id = ?1";
// Keyset pages, newest first: the cursor is the last (created_at, id) returned. created_at <= ?3
// keeps the range on the sessions_by_user index.
#define JWTD_SQLITE_SESSIONS_OF_USER    \
  "SELECT " JWTD_SQLITE_SESSION_COLUMNS \
  " FROM sessions WHERE user_id = ?1 AND (?2 = 0 OR revoked_at = 0)"
#define JWTD_SQLITE_SESSIONS_ORDER " ORDER BY created_at DESC, id DESC LIMIT ?5"
constexpr std::string_view kListSessionsFirst =
    JWTD_SQLITE_SESSIONS_OF_USER " AND ?3 = ?3 AND ?4 = ?4" JWTD_SQLITE_SESSIONS_ORDER;
constexpr std::string_view kListSessionsAfter = JWTD_SQLITE_SESSIONS_OF_USER
    " AND created_at <= ?3 AND (created_at < ?3 OR id < ?4)" JWTD_SQLITE_SESSIONS_ORDER;
constexpr std::string_view kInsertRefresh =
    "INSERT INTO refresh_tokens(" JWTD_SQLITE_REFRESH_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kRefreshByHash =
    "SELECT " JWTD_SQLITE_REFRESH_COLUMNS " FROM refresh_tokens WHERE token_hash = ?1";
constexpr std::string_view kUpdateRefresh =
    "UPDATE refresh_tokens SET session_id = ?2, generation = ?3, state = ?4, created_at = ?5,"
    " rotated_at = ?6, sealed_successor = ?7 WHERE token_hash = ?1";
constexpr std::string_view kDropSuccessors =
    "UPDATE refresh_tokens SET sealed_successor = NULL"
    " WHERE session_id = ?1 AND sealed_successor IS NOT NULL";  // runs on every rotation
constexpr std::string_view kAppendRevocation =
    "INSERT INTO revocations(kind, key, value, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) RETURNING seq";
constexpr std::string_view kAppendSecurityEvent =
    "INSERT INTO security_events(kind, user_id, session_id, reason, at, stream_id, txn)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kStartBulkJob =
    "INSERT INTO bulk_jobs(job, next_offset, created_at, updated_at) VALUES (?1, 0, ?2, ?2)"
    " ON CONFLICT(job) DO NOTHING";
constexpr std::string_view kBulkJobOffset = "SELECT next_offset FROM bulk_jobs WHERE job = ?1";
constexpr std::string_view kSetBulkJobOffset =
    "UPDATE bulk_jobs SET next_offset = ?2, updated_at = ?3 WHERE job = ?1";
constexpr std::string_view kAppendAudit =
    "INSERT INTO audit(at, event, reason, user_id, session_id, client_ip, detail)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

Error NotFound(std::string_view what) {
  return Error(Code::kNotFound, Reason::kNotFound, std::string(what));
}

std::int64_t Clamp(std::size_t n) {
  return static_cast<std::int64_t>(std::min(n, kMaxRowsPerRead));
}

// The reads, shared by the read-only and the write transaction (Base is auth::StoreReadTx or
// auth::StoreTx).
template <class Base>
class SqliteReads : public Base {
 public:
  explicit SqliteReads(Connection& conn) : conn_(conn) {}

  // Made on first use: most transactions never touch the streams.
  auth::SsfTx* ssf() override {
    if (!ssf_) ssf_ = NewSqliteSsf(conn_);
    return ssf_.get();
  }

  Result<std::optional<User>> FindUserByName(std::string_view username) override {
    return One<User>(kUserByName, ReadUser, [&](Stmt& s) { s.BindText(1, username); });
  }

  // In-process: one statement per name costs no round trip.
  Result<std::vector<User>> FindUsersByName(const std::vector<std::string>& names) override {
    std::vector<User> users;
    for (const std::string& name : names) {
      auto user = FindUserByName(name);
      if (!user.ok()) return user.error();
      if (user->has_value()) users.push_back(std::move(**user));
    }
    return users;
  }

  Result<std::optional<User>> FindUserById(std::int64_t id) override {
    return One<User>(kUserById, ReadUser, [&](Stmt& s) { s.Bind(1, id); });
  }

  Result<std::vector<User>> ListUsers(std::size_t limit, std::size_t offset) override {
    return Many<User>(kListUsers, ReadUser, [&](Stmt& s) {
      s.Bind(1, Clamp(limit)).Bind(2, static_cast<std::int64_t>(offset));
    });
  }

  Result<std::optional<Session>> FindSession(std::string_view id) override {
    return One<Session>(kSessionById, ReadSession, [&](Stmt& s) { s.BindText(1, id); });
  }

  Result<std::vector<Session>> ListSessions(const auth::SessionPage& page) override {
    return Many<Session>(page.after ? kListSessionsAfter : kListSessionsFirst, ReadSession,
                         [&](Stmt& s) {
                           s.Bind(1, page.user_id).Bind(2, page.live_only ? 1 : 0);
                           if (page.after) {
                             s.Bind(3, page.after->created_at).BindText(4, page.after->id);
                           } else {
                             s.Bind(3, 0).Bind(4, 0);
                           }
                           s.Bind(5, Clamp(page.limit));
                         });
  }

  Result<std::optional<RefreshRecord>> FindRefresh(std::string_view token_hash) override {
    return One<RefreshRecord>(kRefreshByHash, ReadRefresh,
                              [&](Stmt& s) { s.BindBlob(1, token_hash); });
  }

 protected:
  // Runs `sql` and reads its first row, if any, with `read`.
  template <typename T, typename Read, typename BindFn>
  Result<std::optional<T>> One(std::string_view sql, Read read, BindFn bind) {
    Result<Stmt> stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    bind(*stmt);
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<T>();
    std::optional<T> value(read(*stmt));
    // Finish the statement so an INSERT/UPDATE ... RETURNING completes its write.
    JWTD_RETURN_IF_ERROR(stmt->Run());
    return value;
  }

  template <typename T, typename Read, typename BindFn>
  Result<std::vector<T>> Many(std::string_view sql, Read read, BindFn bind) {
    return QueryRows<T>(conn_, sql, read, bind);
  }

  Connection& conn_;
  std::unique_ptr<auth::SsfTx> ssf_;
};

class SqliteReadTx final : public SqliteReads<auth::StoreReadTx> {
 public:
  using SqliteReads::SqliteReads;
};

class SqliteTx final : public SqliteReads<auth::StoreTx> {
 public:
  using SqliteReads::SqliteReads;

  Result<User> InsertUser(std::string_view username, std::string_view password_hash,
                          std::int64_t now) override {
    Result<std::optional<User>> user = One<User>(kInsertUser, ReadUser, [&](Stmt& s) {
      s.BindText(1, username).BindText(2, password_hash).Bind(3, now);
    });
    if (!user.ok()) return user.error();
    if (!user->has_value()) return Error(Code::kInternal, Reason::kInternal, "insert user");
    return std::move(**user);
  }

  // BEGIN IMMEDIATE already holds the database's write lock: a plain read is locked.
  Result<std::optional<User>> LockUser(std::int64_t id) override { return FindUserById(id); }

  Result<void> SetUserDisabled(std::int64_t id, bool disabled) override {
    return Change(kSetDisabled, "no such user",
                  [&](Stmt& s) { s.Bind(1, id).Bind(2, disabled ? 1 : 0); });
  }

  Result<void> SetPasswordHash(std::int64_t id, std::string_view password_hash) override {
    return Change(kSetPasswordHash, "no such user",
                  [&](Stmt& s) { s.Bind(1, id).BindText(2, password_hash); });
  }

  Result<std::int64_t> BumpTokenVersion(std::int64_t user_id) override {
    auto read = [](const Stmt& s) { return s.Int(0); };
    Result<std::optional<std::int64_t>> version =
        One<std::int64_t>(kBumpVersion, read, [&](Stmt& s) { s.Bind(1, user_id); });
    if (!version.ok()) return version.error();
    if (!version->has_value()) return NotFound("no such user");
    return **version;
  }

  Result<void> InsertSession(const Session& session) override {
    return Change(kInsertSession, {}, [&](Stmt& s) { BindSession(s, session); });
  }

  Result<std::optional<Session>> LockSession(std::string_view id) override {
    return FindSession(id);
  }

  Result<std::vector<Session>> LockSessions(const auth::SessionPage& page) override {
    return ListSessions(page);
  }

  Result<void> UpdateSession(const Session& session) override {
    return Change(kUpdateSession, "no such session", [&](Stmt& s) { BindSession(s, session); });
  }

  Result<void> InsertRefresh(const RefreshRecord& record) override {
    return Change(kInsertRefresh, {}, [&](Stmt& s) { BindRefresh(s, record); });
  }

  Result<void> UpdateRefresh(const RefreshRecord& record) override {
    return Change(kUpdateRefresh, "no such refresh record",
                  [&](Stmt& s) { BindRefresh(s, record); });
  }

  Result<void> DropSessionRefreshes(std::string_view session_id) override {
    return Change(kDropSuccessors, {}, [&](Stmt& s) { s.BindText(1, session_id); });
  }

  // The single writer assigns seqs in commit order as it goes (ports.h).
  Result<void> AppendRevocation(const RevocationEntry& entry, std::int64_t* seq_out) override {
    auto read = [](const Stmt& s) { return s.Int(0); };
    Result<std::optional<std::int64_t>> seq =
        One<std::int64_t>(kAppendRevocation, read, [&](Stmt& s) {
          s.Bind(1, static_cast<std::int64_t>(entry.kind))
              .BindText(2, entry.key)
              .Bind(3, entry.value)
              .Bind(4, entry.expires_at)
              .Bind(5, entry.created_at);
        });
    if (!seq.ok()) return seq.error();
    if (!seq->has_value()) return Error(Code::kInternal, Reason::kInternal, "append revocation");
    *seq_out = **seq;
    return Ok();
  }

  Result<void> AppendAudit(const AuditEvent& e) override {
    return Change(kAppendAudit, {}, [&](Stmt& s) {
      s.Bind(1, e.at).BindText(2, e.event).BindText(3, e.reason);
      if (e.user_id) {
        s.Bind(4, *e.user_id);
      } else {
        s.BindNull(4);
      }
      s.BindText(5, e.session_id).BindText(6, e.client_ip).BindText(7, e.detail);
    });
  }

  Result<void> AppendSecurityEvent(const auth::SecurityEvent& e) override {
    return Change(kAppendSecurityEvent, {}, [&](Stmt& s) {
      s.Bind(1, static_cast<std::int64_t>(e.kind))
          .Bind(2, e.user_id)
          .BindText(3, e.session_id)
          .BindText(4, e.reason)
          .Bind(5, e.at)
          .BindText(6, e.stream_id)
          .BindText(7, e.txn);
    });
  }

  // BEGIN IMMEDIATE holds the write lock: the row read is locked like LockUser's.
  Result<std::int64_t> LockBulkJob(std::string_view job, std::int64_t now) override {
    JWTD_RETURN_IF_ERROR(
        Change(kStartBulkJob, {}, [&](Stmt& s) { s.BindText(1, job).Bind(2, now); }));
    auto offset = One<std::int64_t>(
        kBulkJobOffset, [](const Stmt& s) { return s.Int(0); },
        [&](Stmt& s) { s.BindText(1, job); });
    if (!offset.ok()) return offset.error();
    if (!offset->has_value()) return Error(Code::kInternal, Reason::kInternal, "bulk job row");
    return **offset;
  }

  Result<void> SetBulkJobOffset(std::string_view job, std::int64_t next_offset,
                                std::int64_t now) override {
    return Change(kSetBulkJobOffset, "no such bulk job",
                  [&](Stmt& s) { s.BindText(1, job).Bind(2, next_offset).Bind(3, now); });
  }

 private:
  // Runs a write; if `missing` is set, zero rows changed is kNotFound with that message.
  template <typename BindFn>
  Result<void> Change(std::string_view sql, std::string_view missing, BindFn bind) {
    Result<Stmt> stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    bind(*stmt);
    JWTD_RETURN_IF_ERROR(stmt->Run());
    if (!missing.empty() && stmt->Changes() == 0) return NotFound(missing);
    return Ok();
  }
};

}  // namespace

std::unique_ptr<auth::StoreTx> NewSqliteTx(Connection& writer) {
  return std::make_unique<SqliteTx>(writer);
}

std::unique_ptr<auth::StoreReadTx> NewSqliteReadTx(Connection& reader) {
  return std::make_unique<SqliteReadTx>(reader);
}

}  // namespace jwtd::store::sqlite
