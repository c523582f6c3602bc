// StoreTx of the SQLite store: runs on the writer connection inside the BEGIN IMMEDIATE
// transaction that SqliteStore::Transact opened; StoreReadTx: on a pooled read connection inside
// the deferred transaction of SqliteStore::Read (one WAL snapshot).
#pragma once

#include <memory>

#include "jwtd/auth/ports.h"
#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

std::unique_ptr<auth::StoreTx> NewSqliteTx(Connection& writer);
// The reads of a StoreTx on a read-only connection, inside a transaction its caller opened.
std::unique_ptr<auth::StoreReadTx> NewSqliteReadTx(Connection& reader);

}  // namespace jwtd::store::sqlite
