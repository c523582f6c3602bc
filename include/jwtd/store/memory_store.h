// jwtd::store::NewMemoryStore — an in-memory auth::Store: a test double for domain unit tests,
// never what "done" is measured on (the SQLite store is).
//
// It follows the same contract as the SQLite store (tests/store runs one suite against both):
//  - Transact() runs `fn` under one mutex on a copy of the whole state and swaps the copy in
//    only if `fn` returns ok, so a failing `fn` leaves no partial write. Transactions are
//    therefore exactly serialised. `fn` must not call back into the same Store (it would
//    deadlock on the mutex).
//  - Usernames are exact, case-sensitive byte strings ("Alice" and "alice" are two users).
//  - DropSessionRefreshes clears sealed_successor of the session's records; the rows stay, so a
//    replay is still recognised as reuse.
//  - Update/Set/Bump on a row that does not exist return kNotFound (Reason kNotFound);
//    a session or refresh record naming a missing user or session returns kInternal.
//  - ListSessions: newest first (created_at, then id), keyset pages. ListUsers: by id.
//    ListAudit: newest first (at, then id). Every list read is capped at kMaxRowsPerRead.
//  - SweepExpired(now, retain): deletes revocation rows with expires_at <= now, and sessions
//    revoked, idle-expired or absolutely expired before now - retain together with all their
//    refresh records (the count covers all of these rows). Rotated records of a session that
//    is still kept are not deleted, only their sealed_successor is cleared once rotated_at <
//    now - retain: deleting them would turn a late replay of a stolen (or of the legitimate
//    client's) old token into "unknown" instead of reuse, and the family would survive
//    (RFC 9700 §4.14.2). A session with no absolute lifetime thus keeps one row per rotation.
//  - SweepAudit(before): deletes audit rows with at < before, in one pass under the mutex (no
//    disk, no writer to hold up: slices would only slow a test double down).
//  - MaxRevocationSeq() is the last seq ever assigned (it does not go down after a sweep).
//  - Migrate() returns schema version 1 and does nothing else; BusKey() is kNotFound.
// Thread-safety: the returned Store is thread-safe.
#pragma once

#include <memory>

#include "jwtd/auth/ports.h"
#include "jwtd/store/limits.h"

namespace jwtd::store {

// Never null. The caller owns the store.
std::unique_ptr<auth::Store> NewMemoryStore();

}  // namespace jwtd::store
