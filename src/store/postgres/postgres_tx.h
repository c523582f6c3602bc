// StoreTx of the PostgreSQL store: runs on one pooled connection inside the READ COMMITTED
// transaction that PostgresStore::Transact opened (locking rules: postgres_store.h).
#pragma once

#include <memory>

#include "jwtd/auth/ports.h"
#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

std::unique_ptr<auth::StoreTx> NewPostgresTx(Connection& conn);

}  // namespace jwtd::store::postgres
