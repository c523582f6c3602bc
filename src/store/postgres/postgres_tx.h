// StoreTx of the PostgreSQL store: runs on one pooled connection inside the READ COMMITTED
// transaction that PostgresStore::Transact opened (locking rules: postgres_store.h).
#pragma once

#include <memory>

#include "jwtd/auth/ports.h"
#include "store/postgres/connection.h"
#include "store/postgres/pending_appends.h"

namespace jwtd::store::postgres {

// Its revocation-log appends are queued in `*pending` (which outlives it); whoever commits the
// transaction flushes them just before COMMIT.
std::unique_ptr<auth::StoreTx> NewPostgresTx(Connection& conn, PendingAppends* pending);
// The reads of a StoreTx, for the read-only transaction of PostgresStore::Read.
std::unique_ptr<auth::StoreReadTx> NewPostgresReadTx(Connection& conn);

}  // namespace jwtd::store::postgres
