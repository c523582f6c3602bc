// Row <-> record mapping of the SQLite store. Each Read* expects the columns in the order of the
// matching k*Columns list; each Bind* binds the record's fields from the given index on.
#pragma once

#include <string_view>
#include <vector>

#include "jwtd/auth/model.h"
#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

#define JWTD_SQLITE_USER_COLUMNS "id, username, password_hash, disabled, token_version, created_at"
#define JWTD_SQLITE_SESSION_COLUMNS                                                           \
  "id, user_id, generation, created_at, last_used_at, idle_expires_at, absolute_expires_at, " \
  "revoked_at, revoked_reason, scope, user_agent, client_ip, dpop_jkt"
#define JWTD_SQLITE_REFRESH_COLUMNS \
  "token_hash, session_id, generation, state, created_at, rotated_at, sealed_successor"
#define JWTD_SQLITE_REVOCATION_COLUMNS "seq, kind, key, value, expires_at, created_at"
#define JWTD_SQLITE_AUDIT_COLUMNS "id, at, event, reason, user_id, session_id, client_ip, detail"

auth::User ReadUser(const Stmt& stmt);
auth::Session ReadSession(const Stmt& stmt);
auth::RefreshRecord ReadRefresh(const Stmt& stmt);
auth::RevocationEntry ReadRevocation(const Stmt& stmt);
auth::AuditEvent ReadAudit(const Stmt& stmt);

// Binds the 12 session columns at ?1..?12, in JWTD_SQLITE_SESSION_COLUMNS order.
// Runs a query (`bind` sets its parameters) and reads every row with `read`.
template <typename T, typename Read, typename BindFn>
Result<std::vector<T>> QueryRows(Connection& conn, std::string_view sql, Read read, BindFn bind) {
  Result<Stmt> stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  bind(*stmt);
  std::vector<T> out;
  for (;;) {
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    out.push_back(read(*stmt));
  }
}

void BindSession(Stmt& stmt, const auth::Session& s);
// Binds the 7 refresh columns at ?1..?7, in JWTD_SQLITE_REFRESH_COLUMNS order.
void BindRefresh(Stmt& stmt, const auth::RefreshRecord& r);

}  // namespace jwtd::store::sqlite
