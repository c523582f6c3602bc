// Versioned schema migrations of the PostgreSQL store (the SQL lives in migrations.cc).
#pragma once

#include <cstdint>

#include "jwtd/result.h"
#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

// The schema version this build expects (the highest migration).
int LatestSchemaVersion();

// Applies the pending migrations inside the transaction the caller opened (and commits),
// after taking a transaction-scoped advisory lock, so nodes starting at once apply each
// migration exactly once: the later ones wait, then find nothing pending. Records each in
// schema_migrations(version, applied_at = now) and returns the schema version. Idempotent.
// kInternal if the database holds a newer schema than this build knows.
Result<int> ApplyMigrations(Connection& conn, std::int64_t now);

// For a read-only store: ok when the database holds exactly this build's schema, else
// kUnavailable/kStoreUnavailable saying what to do (none or older: `jwtd migrate`, or start a
// full node; newer: upgrade this node). Writes nothing.
Result<void> RequireCurrentSchema(Connection& conn);

}  // namespace jwtd::store::postgres
