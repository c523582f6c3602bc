// StoreTx of the SQLite store: runs on the writer connection inside the BEGIN IMMEDIATE
// transaction that SqliteStore::Transact opened.
#pragma once

#include <memory>

#include "jwtd/auth/ports.h"
#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

std::unique_ptr<auth::StoreTx> NewSqliteTx(Connection& writer);

}  // namespace jwtd::store::sqlite
