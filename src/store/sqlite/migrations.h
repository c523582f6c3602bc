// Versioned schema migrations of the SQLite store (the SQL lives in migrations.cc).
#pragma once

#include <cstdint>

#include "jwtd/result.h"
#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

// The schema version this build expects (the highest migration).
int LatestSchemaVersion();

// Applies the pending migrations in one BEGIN IMMEDIATE transaction, recording each in
// schema_migrations(version, applied_at = now), and returns the schema version. Idempotent;
// safe when several processes run it at once (the write lock serialises them and the later
// one finds nothing pending). Fails with kInternal if the file holds a newer schema than this
// build knows.
Result<int> Migrate(Connection& conn, std::int64_t now);

// For a read-only store: ok when the file holds exactly this build's schema, else
// kUnavailable/kStoreUnavailable saying what to do (no schema: start a full node or run
// `jwtd migrate`; an older one: `jwtd migrate`; a newer one: upgrade this node). Writes nothing.
Result<void> RequireCurrentSchema(Connection& conn);

}  // namespace jwtd::store::sqlite
