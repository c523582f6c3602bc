// auth::SsfTx of the SQLite store, on the connection of the transaction it belongs to.
#pragma once

#include <memory>

#include "jwtd/auth/ssf_store.h"
#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

std::unique_ptr<auth::SsfTx> NewSqliteSsf(Connection& conn);

}  // namespace jwtd::store::sqlite
