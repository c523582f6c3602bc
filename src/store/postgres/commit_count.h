// A test hook of the PostgreSQL store, in a header of its own so that tests need no libpq.
#pragma once

#include <cstdint>

#include "jwtd/auth/ports.h"

namespace jwtd::store::postgres {

// The successful group commits of a store opened by OpenPostgresStore (for tests: concurrent
// Transacts share commits); -1 for any other Store.
std::int64_t CommitCount(auth::Store& store);

}  // namespace jwtd::store::postgres
