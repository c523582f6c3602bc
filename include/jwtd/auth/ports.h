// The storage ports of the session domain. The domain decides; a store only reads and writes,
// atomically. Adapters: src/store/sqlite (embedded default), src/store/postgres (many nodes),
// src/store/memory (a test double, never what "done" is measured on).
//
// The ports are cut where they are used:
//  - StoreReadTx: the reads of one consistent snapshot (Store::Read), for flows that change
//    nothing (login's user lookup, the session list, introspection of a refresh token): they do
//    not queue behind SQLite's single writer and its fsync.
//  - StoreTx: a write transaction (Store::Transact), the reads above plus locks and writes.
//  - RevocationLog: what the revocation sync and the feed read (entries after a cursor, the
//    last seq, the bus key) — never the whole store.
//  - Store: the transactions and the operational upkeep of one database.
//
// Thread-safety: a Store and its RevocationLog are shared by all threads and must be
// thread-safe. A StoreReadTx/StoreTx belongs to the one thread running the Read()/Transact()
// callback and must not escape it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/auth/ssf_store.h"
#include "jwtd/result.h"

namespace jwtd::auth {

// One page of a user's sessions, newest first. Paging is by keyset, so a page is cheap however
// many sessions the user has, and rows changed behind the cursor do not shift later pages.
struct SessionPage {
  std::int64_t user_id = 0;
  bool live_only = false;  // only sessions not revoked (expiry is the domain's to judge)
  std::optional<SessionCursor> after;  // nullopt: from the newest
  std::size_t limit = 500;             // capped by the store (store/limits.h)
};

// The reads of one transaction, all seeing the same snapshot.
// Errors: kUnavailable (store unreachable), kInternal.
class StoreReadTx {
 public:
  virtual ~StoreReadTx() = default;

  virtual Result<std::optional<User>> FindUserByName(std::string_view username) = 0;
  virtual Result<std::optional<User>> FindUserById(std::int64_t id) = 0;
  // The users with these exact names, in no particular order (names with no user are left out):
  // one round trip for a page of a mass logout.
  virtual Result<std::vector<User>> FindUsersByName(const std::vector<std::string>& names) = 0;
  virtual Result<std::vector<User>> ListUsers(std::size_t limit, std::size_t offset) = 0;
  virtual Result<std::optional<Session>> FindSession(std::string_view id) = 0;
  virtual Result<std::vector<Session>> ListSessions(const SessionPage& page) = 0;
  virtual Result<std::optional<RefreshRecord>> FindRefresh(std::string_view token_hash) = 0;
  // The Shared Signals streams of this store, in this transaction; nullptr where a store has
  // none (the in-memory test store).
  virtual SsfTx* ssf() { return nullptr; }
};

// One open write transaction. Every method acts inside it; nothing is visible to others before
// commit. Errors: as StoreReadTx, plus kAlreadyExists (unique key), kNotFound (update of a
// missing row).
class StoreTx : public StoreReadTx {
 public:
  virtual Result<User> InsertUser(std::string_view username, std::string_view password_hash,
                                  std::int64_t now) = 0;  // kAlreadyExists if taken
  // Reads a user and locks the row until commit (FOR UPDATE on PostgreSQL): a flow that ends
  // every session of the user is ordered against a login of that user (InsertSession shares
  // the lock), so no session can be created beside it and survive it.
  virtual Result<std::optional<User>> LockUser(std::int64_t id) = 0;
  virtual Result<void> SetUserDisabled(std::int64_t id, bool disabled) = 0;
  // Replaces the user's password hash (a crypto_pwhash_str encoding). kNotFound if no such user.
  virtual Result<void> SetPasswordHash(std::int64_t id, std::string_view password_hash) = 0;
  // Increments the user's token_version and returns the new value; kNotFound if no such user.
  // Locks the row until commit as LockUser does (an UPDATE's row lock on PostgreSQL, which a
  // login's share lock waits for).
  virtual Result<std::int64_t> BumpTokenVersion(std::int64_t user_id) = 0;

  virtual Result<void> InsertSession(const Session& session) = 0;
  // Reads a session and locks it until commit (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
  // write transaction already serialises writers). This is what makes refresh single-flight.
  virtual Result<std::optional<Session>> LockSession(std::string_view id) = 0;
  // ListSessions, with every listed row locked like LockSession.
  virtual Result<std::vector<Session>> LockSessions(const SessionPage& page) = 0;
  virtual Result<void> UpdateSession(const Session& session) = 0;

  virtual Result<void> InsertRefresh(const RefreshRecord& record) = 0;
  virtual Result<void> UpdateRefresh(const RefreshRecord& record) = 0;
  // Forgets the sealed successors of every token of the session (at family revocation).
  virtual Result<void> DropSessionRefreshes(std::string_view session_id) = 0;

  // Appends `entry` to the revocation log. Seqs are assigned in commit order: at once (SQLite's
  // single writer, the memory store) or as the transaction's last step before COMMIT
  // (PostgreSQL: the log's counter row is then held only across the commit, and one group commit
  // takes it once for many revocations; docs/architecture.md "Write path"). `*seq` receives the
  // entry's seq at the latest when Transact returns ok, and must stay valid until then; an
  // entry's seq is unknown inside the transaction.
  virtual Result<void> AppendRevocation(const RevocationEntry& entry, std::int64_t* seq) = 0;
  virtual Result<void> AppendAudit(const AuditEvent& event) = 0;
  // Appends to the security-event outbox (the Shared Signals transmitter delivers from it).
  virtual Result<void> AppendSecurityEvent(const SecurityEvent& event) = 0;

  // The operator's bulk revocation jobs (auth/bulk_revocation.h): the offset job `job` has
  // reached, its row locked until commit; a job never seen is created at offset 0.
  virtual Result<std::int64_t> LockBulkJob(std::string_view job, std::int64_t now) = 0;
  // Moves a job locked by LockBulkJob to `next_offset`.
  virtual Result<void> SetBulkJobOffset(std::string_view job, std::int64_t next_offset,
                                        std::int64_t now) = 0;
};

// The durable revocation log as its readers see it. Seqs are assigned in commit order and never
// reused, so "every entry after the last seq I applied" is a gap-free catch-up.
class RevocationLog {
 public:
  virtual ~RevocationLog() = default;

  // Entries with seq > after_seq that have not expired at `now`, in seq order, at most `limit`
  // (capped by the store).
  virtual Result<std::vector<RevocationEntry>> ReadRevocations(std::int64_t after_seq,
                                                               std::int64_t now,
                                                               std::size_t limit) = 0;
  // The last seq ever assigned (0: none); never decreases, also after a sweep.
  virtual Result<std::int64_t> MaxRevocationSeq() = 0;
  // The revocation bus's HMAC key (64 hex digits), created once by the schema migration and so
  // shared by every node of this store. Never log it. kNotFound where a store has none (the
  // in-memory test store: one process, no bus).
  virtual Result<std::string> BusKey() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` in one serialisable write transaction and commits if it returns ok, rolls back
  // otherwise (and returns fn's error). Retries fn on a serialisation/lock conflict, so fn must
  // be free of side effects outside the transaction. A successful return means durable.
  virtual Result<void> Transact(const std::function<Result<void>(StoreTx&)>& fn) = 0;
  // Runs `fn` over one consistent read-only snapshot; never waits for the writer.
  virtual Result<void> Read(const std::function<Result<void>(StoreReadTx&)>& fn) = 0;

  // The log of this store (lives as long as the store).
  virtual RevocationLog& revocation_log() = 0;

  // Deletes expired log rows, and sessions ended or expired before `now - retain` with their
  // refresh records. Returns the number of rows deleted. (Also clears sealed successors rotated
  // before `now - retain`, a backstop only: ForgetSealedSuccessors is what closes the window.)
  virtual Result<std::int64_t> SweepExpired(std::int64_t now, std::int64_t retain_seconds) = 0;
  // Clears sealed_successor of every rotated record with rotated_at < rotated_before; the rows
  // stay (reuse detection needs them). Run once the grace window has closed, so a database
  // copy plus an old spent token no longer opens a live session's successor. Returns the
  // number of successors cleared.
  virtual Result<std::int64_t> ForgetSealedSuccessors(std::int64_t rotated_before) = 0;
  // Deletes the audit rows with at < before (audit.retention) and returns how many. Runs in
  // slices of a bounded number of rows, each its own short write transaction, so writers wait
  // for one slice at most, never for the whole sweep; a failure stops it after the slices
  // already committed (the next sweep goes on from there).
  virtual Result<std::int64_t> SweepAudit(std::int64_t before) = 0;
  // Deletes the security events (the SSF outbox) with at < before that no stream can still
  // deliver: at or below the watermark of every stream that is not disabled (a disabled one
  // skips its backlog on leaving that state), or all of them when there is none (a new stream
  // starts after the outbox's last id). Returns how many; in slices like SweepAudit.
  virtual Result<std::int64_t> SweepDeliveredEvents(std::int64_t before) = 0;

  virtual Result<std::vector<AuditEvent>> ListAudit(const AuditFilter& filter) = 0;

  // Cheap reachability check for /readyz.
  virtual Result<void> Ping() = 0;
  // Schema version after applying pending migrations (idempotent; safe from several processes).
  virtual Result<int> Migrate() = 0;
};

}  // namespace jwtd::auth
