#include "store/postgres/postgres_tx.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "jwtd/store/limits.h"
#include "store/postgres/array_literal.h"
#include "store/postgres/postgres_ssf.h"
#include "store/postgres/rows.h"

namespace jwtd::store::postgres {
namespace {

using auth::AuditEvent;
using auth::RefreshRecord;
using auth::RevocationEntry;
using auth::Session;
using auth::User;

constexpr Sql kInsertUser{
    "insert_user",
    "INSERT INTO users(username, password_hash, disabled, token_version, created_at)"
    " VALUES ($1::text, $2::text, false, 1, $3::bigint) RETURNING " JWTD_PG_USER_COLUMNS};
constexpr Sql kUserByName{"user_by_name",
                          "SELECT " JWTD_PG_USER_COLUMNS " FROM users WHERE username = $1::text"};
constexpr Sql kUsersByName{"users_by_name", "SELECT " JWTD_PG_USER_COLUMNS
                                            " FROM users WHERE username = ANY($1::text::text[])"};
constexpr Sql kUserById{"user_by_id",
                        "SELECT " JWTD_PG_USER_COLUMNS " FROM users WHERE id = $1::bigint"};
constexpr Sql kListUsers{"list_users",
                         "SELECT " JWTD_PG_USER_COLUMNS
                         " FROM users ORDER BY id LIMIT $1::bigint OFFSET $2::bigint"};
constexpr Sql kSetDisabled{"set_disabled",
                           "UPDATE users SET disabled = $2::boolean WHERE id = $1::bigint"};
constexpr Sql kSetPasswordHash{"set_password_hash",
                               "UPDATE users SET password_hash = $2::text WHERE id = $1::bigint"};
constexpr Sql kBumpVersion{"bump_version",
                           "UPDATE users SET token_version = token_version + 1"
                           " WHERE id = $1::bigint RETURNING token_version"};
// Orders a login against a concurrent logout-all of the same user (postgres_store.h).
constexpr Sql kShareUser{"share_user", "SELECT 1 FROM users WHERE id = $1::bigint FOR SHARE"};
constexpr Sql kInsertSession{"insert_session",
                             "INSERT INTO sessions(" JWTD_PG_SESSION_COLUMNS
                             ") VALUES ($1::text, $2::bigint, $3::bigint, $4::bigint, $5::bigint,"
                             " $6::bigint, $7::bigint, $8::bigint, $9::text, $10::text, $11::text,"
                             " $12::text, $13::text)"};
constexpr Sql kLockSession{"lock_session", "SELECT " JWTD_PG_SESSION_COLUMNS
                                           " FROM sessions WHERE id = $1::text FOR UPDATE"};
constexpr Sql kUpdateSession{
    "update_session",
    "UPDATE sessions SET user_id = $2::bigint, generation = $3::bigint, created_at = $4::bigint,"
    " last_used_at = $5::bigint, idle_expires_at = $6::bigint, absolute_expires_at = $7::bigint,"
    " revoked_at = $8::bigint, revoked_reason = $9::text, scope = $10::text,"
    " user_agent = $11::text, client_ip = $12::text, dpop_jkt = $13::text WHERE id = $1::text"};
constexpr Sql kUserForUpdate{"user_for_update", "SELECT " JWTD_PG_USER_COLUMNS
                                                " FROM users WHERE id = $1::bigint FOR UPDATE"};
constexpr Sql kStartBulkJob{"start_bulk_job",
                            "INSERT INTO bulk_jobs(job, next_offset, created_at, updated_at)"
                            " VALUES ($1::text, 0, $2::bigint, $2::bigint)"
                            " ON CONFLICT (job) DO NOTHING"};
constexpr Sql kLockBulkJob{"lock_bulk_job",
                           "SELECT next_offset FROM bulk_jobs WHERE job = $1::text FOR UPDATE"};
constexpr Sql kSetBulkJobOffset{
    "set_bulk_job_offset",
    "UPDATE bulk_jobs SET next_offset = $2::bigint, updated_at = $3::bigint WHERE job = $1::text"};
constexpr Sql kSessionById{"session_by_id",
                           "SELECT " JWTD_PG_SESSION_COLUMNS " FROM sessions WHERE id = $1::text"};
// Keyset pages of one user's sessions, newest first; the cursor is the last (created_at, id).
// The locking forms (FOR UPDATE): a caller ending every family must not overwrite a rotation
// that commits meanwhile; READ COMMITTED re-reads a row it had to wait for.
#define JWTD_PG_SESSIONS_OF_USER    \
  "SELECT " JWTD_PG_SESSION_COLUMNS \
  " FROM sessions WHERE user_id = $1::bigint AND ($2::boolean = false OR revoked_at = 0)"
#define JWTD_PG_SESSIONS_AFTER \
  " AND created_at <= $4::bigint AND (created_at < $4::bigint OR id < $5::text)"
#define JWTD_PG_SESSIONS_ORDER " ORDER BY created_at DESC, id DESC LIMIT $3::bigint"
constexpr Sql kListSessionsFirst{"list_sessions_first",
                                 JWTD_PG_SESSIONS_OF_USER JWTD_PG_SESSIONS_ORDER};
constexpr Sql kListSessionsAfter{
    "list_sessions_after", JWTD_PG_SESSIONS_OF_USER JWTD_PG_SESSIONS_AFTER JWTD_PG_SESSIONS_ORDER};
constexpr Sql kLockSessionsFirst{"lock_sessions_first",
                                 JWTD_PG_SESSIONS_OF_USER JWTD_PG_SESSIONS_ORDER " FOR UPDATE"};
constexpr Sql kLockSessionsAfter{
    "lock_sessions_after",
    JWTD_PG_SESSIONS_OF_USER JWTD_PG_SESSIONS_AFTER JWTD_PG_SESSIONS_ORDER " FOR UPDATE"};
constexpr Sql kInsertRefresh{"insert_refresh",
                             "INSERT INTO refresh_tokens(" JWTD_PG_REFRESH_COLUMNS
                             ") VALUES ($1::bytea, $2::text, $3::bigint, $4::smallint,"
                             " $5::bigint, $6::bigint, $7::bytea)"};
constexpr Sql kRefreshByHash{"refresh_by_hash",
                             "SELECT " JWTD_PG_REFRESH_COLUMNS
                             " FROM refresh_tokens WHERE token_hash = $1::bytea"};
constexpr Sql kUpdateRefresh{
    "update_refresh",
    "UPDATE refresh_tokens SET session_id = $2::text, generation = $3::bigint,"
    " state = $4::smallint, created_at = $5::bigint, rotated_at = $6::bigint,"
    " sealed_successor = $7::bytea WHERE token_hash = $1::bytea"};
constexpr Sql kDropSuccessors{"drop_successors",
                              "UPDATE refresh_tokens SET sealed_successor = NULL"
                              " WHERE session_id = $1::text AND sealed_successor IS NOT NULL"};
Error NotFound(std::string_view what) {
  return Error(Code::kNotFound, Reason::kNotFound, std::string(what));
}

std::int64_t Clamp(std::size_t n) {
  return static_cast<std::int64_t>(std::min(n, kMaxRowsPerRead));
}

// The reads, shared by the read-only and the write transaction (Base is auth::StoreReadTx or
// auth::StoreTx).
template <class Base>
class PostgresReads : public Base {
 public:
  explicit PostgresReads(Connection& conn) : conn_(conn) {}

  // Made on first use: most transactions never touch the streams.
  auth::SsfTx* ssf() override {
    if (!ssf_) ssf_ = NewPostgresSsf(conn_);
    return ssf_.get();
  }

  Result<std::optional<User>> FindUserByName(std::string_view username) override {
    if (!StorableText(username)) return std::optional<User>();
    return One<User>(kUserByName, Params().Text(username), ReadUser);
  }

  Result<std::optional<User>> FindUserById(std::int64_t id) override {
    return One<User>(kUserById, Params().Int(id), ReadUser);
  }

  Result<std::vector<User>> FindUsersByName(const std::vector<std::string>& names) override {
    ArrayLiteral list;
    for (const std::string& name : names) {
      if (StorableText(name)) list.Text(name);  // no user can have a name the database refuses
    }
    return Many<User>(kUsersByName, Params().Text(std::move(list).Done()), ReadUser);
  }

  Result<std::vector<User>> ListUsers(std::size_t limit, std::size_t offset) override {
    return Many<User>(kListUsers, Params().Int(Clamp(limit)).Int(static_cast<std::int64_t>(offset)),
                      ReadUser);
  }

  Result<std::optional<Session>> FindSession(std::string_view id) override {
    return One<Session>(kSessionById, Params().Text(id), ReadSession);
  }

  Result<std::vector<Session>> ListSessions(const auth::SessionPage& page) override {
    return Page(page, kListSessionsFirst, kListSessionsAfter);
  }

  Result<std::optional<RefreshRecord>> FindRefresh(std::string_view token_hash) override {
    return One<RefreshRecord>(kRefreshByHash, Params().Text(token_hash), ReadRefresh);
  }

 protected:
  Result<std::vector<Session>> Page(const auth::SessionPage& page, const Sql& first,
                                    const Sql& after) {
    Params params;
    params.Int(page.user_id).Bool(page.live_only).Int(Clamp(page.limit));
    if (!page.after) return Many<Session>(first, params, ReadSession);
    params.Int(page.after->created_at).Text(page.after->id);
    return Many<Session>(after, params, ReadSession);
  }

  // Runs `sql` and reads its first row, if any, with `read`.
  template <typename T, typename Read>
  Result<std::optional<T>> One(const Sql& sql, const Params& params, Read read) {
    Result<Rows> rows = conn_.Query(sql, params);
    if (!rows.ok()) return rows.error();
    if (rows->size() == 0) return std::optional<T>();
    return std::optional<T>(read((*rows)[0]));
  }

  template <typename T, typename Read>
  Result<std::vector<T>> Many(const Sql& sql, const Params& params, Read read) {
    return QueryRows<T>(conn_, sql, params, read);
  }

  Connection& conn_;
  std::unique_ptr<auth::SsfTx> ssf_;
};

class PostgresReadTx final : public PostgresReads<auth::StoreReadTx> {
 public:
  using PostgresReads::PostgresReads;
};

class PostgresTx final : public PostgresReads<auth::StoreTx> {
 public:
  PostgresTx(Connection& conn, PendingAppends* pending) : PostgresReads(conn), pending_(pending) {}

  Result<User> InsertUser(std::string_view username, std::string_view password_hash,
                          std::int64_t now) override {
    Result<std::optional<User>> user =
        One<User>(kInsertUser, Params().Text(username).Text(password_hash).Int(now), ReadUser);
    if (!user.ok()) return user.error();
    if (!user->has_value()) return Error(Code::kInternal, Reason::kInternal, "insert user");
    return std::move(**user);
  }

  Result<std::optional<User>> LockUser(std::int64_t id) override {
    return One<User>(kUserForUpdate, Params().Int(id), ReadUser);
  }

  Result<void> SetUserDisabled(std::int64_t id, bool disabled) override {
    return Change(kSetDisabled, Params().Int(id).Bool(disabled), "no such user");
  }

  Result<void> SetPasswordHash(std::int64_t id, std::string_view password_hash) override {
    return Change(kSetPasswordHash, Params().Int(id).Text(password_hash), "no such user");
  }

  Result<std::int64_t> LockBulkJob(std::string_view job, std::int64_t now) override {
    JWTD_RETURN_IF_ERROR(conn_.Query(kStartBulkJob, Params().Text(job).Int(now)));
    auto read = [](const Row& row) { return row.Int(0); };
    auto offset = One<std::int64_t>(kLockBulkJob, Params().Text(job), read);
    if (!offset.ok()) return offset.error();
    if (!offset->has_value()) return Error(Code::kInternal, Reason::kInternal, "bulk job row");
    return **offset;
  }

  Result<void> SetBulkJobOffset(std::string_view job, std::int64_t next_offset,
                                std::int64_t now) override {
    return Change(kSetBulkJobOffset, Params().Text(job).Int(next_offset).Int(now),
                  "no such bulk job");
  }

  Result<std::int64_t> BumpTokenVersion(std::int64_t user_id) override {
    auto read = [](const Row& row) { return row.Int(0); };
    Result<std::optional<std::int64_t>> version =
        One<std::int64_t>(kBumpVersion, Params().Int(user_id), read);
    if (!version.ok()) return version.error();
    if (!version->has_value()) return NotFound("no such user");
    return **version;
  }

  Result<void> InsertSession(const Session& session) override {
    JWTD_RETURN_IF_ERROR(conn_.Query(kShareUser, Params().Int(session.user_id)));
    Params params;
    return Change(kInsertSession, BindSession(params, session), {});
  }

  Result<std::optional<Session>> LockSession(std::string_view id) override {
    return One<Session>(kLockSession, Params().Text(id), ReadSession);
  }

  Result<std::vector<Session>> LockSessions(const auth::SessionPage& page) override {
    return Page(page, kLockSessionsFirst, kLockSessionsAfter);
  }

  Result<void> UpdateSession(const Session& session) override {
    Params params;
    return Change(kUpdateSession, BindSession(params, session), "no such session");
  }

  Result<void> InsertRefresh(const RefreshRecord& record) override {
    Params params;
    return Change(kInsertRefresh, BindRefresh(params, record), {});
  }

  Result<void> UpdateRefresh(const RefreshRecord& record) override {
    Params params;
    return Change(kUpdateRefresh, BindRefresh(params, record), "no such refresh record");
  }

  Result<void> DropSessionRefreshes(std::string_view session_id) override {
    return Change(kDropSuccessors, Params().Text(session_id), {});
  }

  // Queued, like the audit rows and events: written by the transaction's last statements, the
  // log's counter last (pending_appends.h).
  Result<void> AppendRevocation(const RevocationEntry& entry, std::int64_t* seq) override {
    return pending_->AddRevocation(conn_, entry, seq);
  }

  Result<void> AppendAudit(const AuditEvent& e) override { return pending_->AddAudit(conn_, e); }

  Result<void> AppendSecurityEvent(const auth::SecurityEvent& e) override {
    return pending_->AddSecurityEvent(conn_, e);
  }

 private:
  // Runs a write; if `missing` is set, zero rows changed is kNotFound with that message.
  Result<void> Change(const Sql& sql, const Params& params, std::string_view missing) {
    Result<Rows> rows = conn_.Query(sql, params);
    if (!rows.ok()) return rows.error();
    if (!missing.empty() && rows->affected() == 0) return NotFound(missing);
    return Ok();
  }

  PendingAppends* const pending_;  // the transaction's, written before its COMMIT
};

}  // namespace

std::unique_ptr<auth::StoreTx> NewPostgresTx(Connection& conn, PendingAppends* pending) {
  return std::make_unique<PostgresTx>(conn, pending);
}

std::unique_ptr<auth::StoreReadTx> NewPostgresReadTx(Connection& conn) {
  return std::make_unique<PostgresReadTx>(conn);
}

}  // namespace jwtd::store::postgres
