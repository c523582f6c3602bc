// jwtd::store::OpenPostgresStore — the auth::Store for many nodes: one PostgreSQL database
// shared by every jwtd process (store.url = postgres://... or postgresql://...).
//
// Durability: every connection runs with synchronous_commit=on, so a committed Transact() is in
// the server's WAL on disk before it returns.
// Concurrency: Transact() runs fn in a READ COMMITTED transaction on a pooled connection.
// Serialisation comes from row locks, not from the isolation level:
//  - LockSession is SELECT ... FOR UPDATE: refresh rotation is single-flight across nodes
//    (every domain flow re-reads its records after taking the lock, and under READ COMMITTED
//    each statement sees the latest commit).
//  - LockSessions locks the listed sessions (FOR UPDATE), so ending a user's families cannot
//    overwrite a rotation that committed meanwhile; LockUser is FOR UPDATE and InsertSession
//    takes FOR SHARE on its user, so a login racing a logout-all (which locks that user row
//    first) is ordered before or after it, never lost beside it. Read() runs a READ ONLY
//    transaction.
//  - Seqs come from a one-row counter (UPDATE ... RETURNING), whose row lock is held until
//    commit: seqs become visible in seq order, so a node that has seen seq N never finds a
//    seq < N appearing later (catch-up by "seq > last applied" is gap-free). AppendRevocation
//    queues the entry; the counter is taken once per transaction, as its last statement.
//  - Transact is a group commit: concurrent callers' fns run one after another in one
//    transaction, each in a savepoint (a failed fn is undone alone), and are answered after its
//    COMMIT; up to write_lanes such batches run at once (src/store/postgres/group_commit.h).
// fn is retried (at most 5 attempts, with a random back-off) on serialization_failure or
// deadlock_detected, then the error is kAborted (kConflict). A stale pooled connection met at
// BEGIN (e.g. after a server restart) is replaced and the attempt retried; a connection lost
// later in the transaction ends it with kUnavailable and is dropped, so the next call
// reconnects: a PostgreSQL restart heals without reopening the store. Reads are retried once on
// a lost connection.
// Unlike SQLite, a failed statement poisons the PostgreSQL transaction: every later statement of
// the same fn returns that first error, and Transact returns it even if fn swallowed it.
//
// Contract details shared with the other adapters (tests/store checks them on every adapter):
//  - Usernames are exact byte strings (COLLATE "C"): "Alice" != "alice". Text must be valid
//    UTF-8 without NUL (the database's rule); InsertUser of such a name fails with
//    kInvalidArgument and FindUserByName finds nothing.
//  - Errors: unique_violation -> kAlreadyExists; connection failures, admin/crash shutdown,
//    too many connections, statement timeout, pool exhausted -> kUnavailable (kStoreUnavailable);
//    conflicts past the retries -> kAborted (kConflict); Update/Set/Bump on a missing row ->
//    kNotFound; anything else (a foreign key naming a missing user/session included) ->
//    kInternal. Messages name the SQLSTATE condition, never row data or the password.
//  - Lists are newest first (sessions by created_at then id, in keyset pages; audit) or by id
//    (users), capped at kMaxRowsPerRead; DropSessionRefreshes keeps the rows; SweepExpired and
//    SweepAudit follow sqlite_store.h (SweepAudit: slices of at most kAuditSweepSlice rows, one
//    transaction each, so the row locks and WAL of a large backlog come in bounded pieces and
//    other nodes' sweeps only wait for one slice); MaxRevocationSeq() is the last seq ever
//    assigned (never decreases).
//  - Migrations are versioned in schema_migrations and applied under pg_advisory_xact_lock, so
//    several nodes starting at once are safe; Migrate() is idempotent.
// Thread-safety: the returned Store is thread-safe. fn may call the store's read methods (they
// take another pooled connection) but not Transact, Migrate or the sweeps.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "jwtd/auth/ports.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"
#include "jwtd/store/limits.h"

namespace jwtd::store {

struct PostgresOptions {
  // A libpq connection URI: postgres[ql]://user[:password]@host[:port]/dbname[?param=value...].
  std::string url;
  std::size_t pool_size = 8;  // connections at most (at least 1), opened on demand
  // Group commit of Transact (src/store/postgres/group_commit.h): batches in flight at once
  // (each holds a pooled connection; at most pool_size - 1) and callers per batch (1..63).
  std::size_t write_lanes = 2;
  std::size_t write_batch = 32;
  int connect_timeout_s = 5;        // libpq connect_timeout
  int statement_timeout_ms = 5000;  // per statement (and lock wait), server side
  // A verifier node: never migrates (the schema must be this build's, else kUnavailable saying
  // what to do) and every session is default_transaction_read_only, so every write fails.
  bool read_only = false;
};

// Connects once (to fail early on a wrong URL or an unreachable server), applies pending
// migrations and returns the store. Fails with kInvalidArgument on an empty URL or null clock,
// kUnavailable (kStoreUnavailable) when the server cannot be reached or refuses the login,
// kInternal on anything else (e.g. a schema newer than this build). `clock` must outlive the
// store; it stamps schema_migrations.applied_at.
Result<std::unique_ptr<auth::Store>> OpenPostgresStore(const PostgresOptions& options,
                                                       const Clock* clock);

}  // namespace jwtd::store
