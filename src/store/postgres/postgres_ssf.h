// auth::SsfTx of the PostgreSQL store, on the connection of the transaction it belongs to.
#pragma once

#include <memory>

#include "jwtd/auth/ssf_store.h"
#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

std::unique_ptr<auth::SsfTx> NewPostgresSsf(Connection& conn);

}  // namespace jwtd::store::postgres
