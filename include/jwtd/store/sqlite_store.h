// jwtd::store::OpenSqliteStore — the embedded default auth::Store: one SQLite file in WAL mode.
//
// Durability: every committed Transact() is fsynced (synchronous=FULL), so a 2xx answered after
// a logout survives a crash or a power loss. If an fsync fails, the store is poisoned: that
// batch's callers and every later write (Transact, the sweeps) fail at once with kUnavailable,
// Ping fails, reads go on; only a restart clears it (a failed fsync may have lost WAL frames
// that later syncs cannot bring back; src/store/sqlite/group_commit.h).
// Concurrency: one writer connection; fns run one at a time on it inside `BEGIN IMMEDIATE`, so
// writers are serialised in this process and across processes (the latter waiting up to
// busy_timeout_ms), and a refresh rotation is single-flight. Group commit: Transacts that
// arrive while a commit is in flight share the next transaction (up to 64), each fn in its own
// SAVEPOINT — a failing fn is undone alone and its caller alone gets its error — and one COMMIT
// (one fsync); every caller returns only after the commit holding its writes. fn may run on
// another caller's thread. fn is retried (at most 3 attempts) when SQLite reports
// SQLITE_BUSY/SQLITE_LOCKED. Reads (Read() transactions, ReadRevocations,
// MaxRevocationSeq, ListAudit, Ping) use a pool of `pool_size` read-only connections and never
// wait for the writer (WAL readers see the last commit). fn must not call Transact, Migrate or
// the sweeps of the same store (the write mutex is not recursive).
//
// Contract details shared with the other adapters (tests/store checks them on every adapter):
//  - Usernames are exact, case-sensitive byte strings (BINARY collation): "Alice" != "alice".
//    Normalising a username, if wanted, is the domain's job before it reaches the store.
//  - Errors: unique key -> kAlreadyExists (Reason kAlreadyExists); busy past retries, I/O
//    error, disk full, read-only or unopenable file -> kUnavailable (kStoreUnavailable);
//    Update/Set/Bump on a missing row -> kNotFound (kNotFound); anything else (a foreign key
//    naming a missing user/session included) -> kInternal. Messages name the SQLite error,
//    never row data.
//  - ListSessions: newest first (created_at, then id), in keyset pages (SessionPage).
//    ListUsers: by id. ListAudit: newest first. Each list read is capped at kMaxRowsPerRead rows.
//  - DropSessionRefreshes clears sealed_successor of the session's records; the rows stay, so a
//    replay is still recognised as reuse.
//  - SweepExpired(now, retain): deletes revocation rows with expires_at <= now, and sessions
//    revoked, idle-expired or absolutely expired before now - retain together with all their
//    refresh records (the count covers all of these rows). Rotated records of a session that
//    is still kept are not deleted, only their sealed_successor is cleared once rotated_at <
//    now - retain: deleting them would turn a late replay of a stolen (or of the legitimate
//    client's) old token into "unknown" instead of reuse, and the family would survive
//    (RFC 9700 §4.14.2). A session with no absolute lifetime thus keeps one row per rotation.
//  - SweepAudit(before): deletes audit rows with at < before, oldest first, at most
//    kAuditSweepSlice per write transaction (each slice waits in the group commit like any
//    writer, so a login or logout arriving meanwhile commits between two slices).
//  - MaxRevocationSeq() is the last seq ever assigned (AUTOINCREMENT; never reused, does not go
//    down after a sweep).
// Thread-safety: the returned Store is thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "jwtd/auth/ports.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"
#include "jwtd/store/limits.h"

namespace jwtd::store {

struct SqliteOptions {
  // The database file; created if missing (its directory must exist). An SQLite URI
  // ("file:...?...") is accepted too.
  std::string path;
  int busy_timeout_ms = 5000;  // how long a writer waits for another process's write lock
  std::size_t pool_size = 4;   // read connections (at least 1)
  // FULL: a commit is fsynced before Transact returns. NORMAL: faster, a power loss may lose
  // the last commits (never corrupts). Keep FULL for a server that acknowledges logouts.
  bool synchronous_full = true;
  // Opens the file read-only (a verifier node, http/server_role.h): never created, never
  // migrated, no journal-mode switch; the schema must be this build's (else kUnavailable with
  // what to do). Transact and the sweeps then fail with kUnavailable; every read works, and
  // sees what the writing processes commit.
  bool read_only = false;
};

// Opens (creating if needed) the database, switches it to WAL, turns foreign keys on and
// applies pending migrations (read_only: see above). Fails with kUnavailable (kStoreUnavailable) if
// the file cannot be opened or written (a read-only file included), kInternal on anything else.
// `clock` must outlive the store; it stamps schema_migrations.applied_at.
Result<std::unique_ptr<auth::Store>> OpenSqliteStore(const SqliteOptions& options,
                                                     const Clock* clock);

}  // namespace jwtd::store
