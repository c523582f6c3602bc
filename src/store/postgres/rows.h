// Row <-> record mapping of the PostgreSQL store. Each Read* expects the columns in the order
// of the matching JWTD_PG_*_COLUMNS list; each Bind* appends the record's fields in that order.
#pragma once

#include <cstddef>
#include <vector>

#include "jwtd/auth/model.h"
#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

#define JWTD_PG_USER_COLUMNS "id, username, password_hash, disabled, token_version, created_at"
#define JWTD_PG_SESSION_COLUMNS                                                               \
  "id, user_id, generation, created_at, last_used_at, idle_expires_at, absolute_expires_at, " \
  "revoked_at, revoked_reason, scope, user_agent, client_ip, dpop_jkt"
#define JWTD_PG_REFRESH_COLUMNS \
  "token_hash, session_id, generation, state, created_at, rotated_at, sealed_successor"
#define JWTD_PG_REVOCATION_COLUMNS "seq, kind, key, value, expires_at, created_at"
#define JWTD_PG_AUDIT_COLUMNS "id, at, event, reason, user_id, session_id, client_ip, detail"

// Runs a query and reads every row with `read`.
template <typename T, typename Read>
Result<std::vector<T>> QueryRows(Connection& conn, const Sql& sql, const Params& params,
                                 Read read) {
  Result<Rows> rows = conn.Query(sql, params);
  if (!rows.ok()) return rows.error();
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int i = 0; i < rows->size(); ++i) out.push_back(read((*rows)[i]));
  return out;
}

auth::User ReadUser(const Row& row);
auth::Session ReadSession(const Row& row);
auth::RefreshRecord ReadRefresh(const Row& row);
auth::RevocationEntry ReadRevocation(const Row& row);
auth::AuditEvent ReadAudit(const Row& row);

// Appends the 12 session fields ($1..$12 of a fresh Params), in JWTD_PG_SESSION_COLUMNS order.
Params& BindSession(Params& params, const auth::Session& s);
// Appends the 7 refresh fields, in JWTD_PG_REFRESH_COLUMNS order.
Params& BindRefresh(Params& params, const auth::RefreshRecord& r);

}  // namespace jwtd::store::postgres
