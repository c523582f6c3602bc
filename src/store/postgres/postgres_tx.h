// StoreTx of the PostgreSQL store: runs on one pooled connection inside the READ COMMITTED
// transaction that PostgresStore::Transact opened (locking rules: postgres_store.h).
#pragma once

#include <memory>

#include "jwtd/auth/ports.h"
#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

std::unique_ptr<auth::StoreTx> NewPostgresTx(Connection& conn);
// The reads of a StoreTx, for the read-only transaction of PostgresStore::Read.
std::unique_ptr<auth::StoreReadTx> NewPostgresReadTx(Connection& conn);

}  // namespace jwtd::store::postgres
