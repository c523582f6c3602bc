// The storage ports of the session domain. The domain decides; a store only reads and writes,
// atomically. Adapters: src/store/sqlite (embedded default), src/store/postgres (many nodes),
// src/store/memory (a test double, never what "done" is measured on).
//
// Thread-safety: a Store is shared by all threads and must be thread-safe. A StoreTx belongs to
// the one thread running the Transact() callback and must not escape it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/result.h"

namespace jwtd::auth {

// One open transaction. Every method acts inside it; nothing is visible to others before commit.
// Errors: kUnavailable (store unreachable), kAlreadyExists (unique key), kInternal.
class StoreTx {
 public:
  virtual ~StoreTx() = default;

  virtual Result<User> InsertUser(std::string_view username, std::string_view password_hash,
                                  std::int64_t now) = 0;  // kAlreadyExists if taken
  virtual Result<std::optional<User>> FindUserByName(std::string_view username) = 0;
  virtual Result<std::optional<User>> FindUserById(std::int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers(std::size_t limit, std::size_t offset) = 0;
  virtual Result<void> SetUserDisabled(std::int64_t id, bool disabled) = 0;
  // Increments the user's token_version and returns the new value.
  virtual Result<std::int64_t> BumpTokenVersion(std::int64_t user_id) = 0;

  virtual Result<void> InsertSession(const Session& session) = 0;
  // Reads a session and locks it until commit (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
  // write transaction already serialises writers). This is what makes refresh single-flight.
  virtual Result<std::optional<Session>> LockSession(std::string_view id) = 0;
  virtual Result<void> UpdateSession(const Session& session) = 0;
  // Live and ended sessions of a user, newest first.
  virtual Result<std::vector<Session>> ListSessions(std::int64_t user_id) = 0;

  virtual Result<void> InsertRefresh(const RefreshRecord& record) = 0;
  virtual Result<std::optional<RefreshRecord>> FindRefresh(std::string_view token_hash) = 0;
  virtual Result<void> UpdateRefresh(const RefreshRecord& record) = 0;
  // Forgets the sealed successors of every token of the session (at family revocation).
  virtual Result<void> DropSessionRefreshes(std::string_view session_id) = 0;

  // Appends to the revocation log and returns the entry with its assigned seq.
  virtual Result<RevocationEntry> AppendRevocation(RevocationEntry entry) = 0;
  virtual Result<void> AppendAudit(const AuditEvent& event) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `fn` in one serialisable write transaction and commits if it returns ok, rolls back
  // otherwise (and returns fn's error). Retries fn on a serialisation/lock conflict, so fn must
  // be free of side effects outside the transaction. A successful return means durable.
  virtual Result<void> Transact(const std::function<Result<void>(StoreTx&)>& fn) = 0;

  // Revocation log entries with seq > after_seq that have not expired at `now`, in seq order.
  virtual Result<std::vector<RevocationEntry>> ReadRevocations(std::int64_t after_seq,
                                                               std::int64_t now,
                                                               std::size_t limit) = 0;
  virtual Result<std::int64_t> MaxRevocationSeq() = 0;
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

  virtual Result<std::vector<AuditEvent>> ListAudit(const AuditFilter& filter) = 0;

  // Cheap reachability check for /readyz.
  virtual Result<void> Ping() = 0;
  // Schema version after applying pending migrations (idempotent; safe from several processes).
  virtual Result<int> Migrate() = 0;
  // The revocation bus's HMAC key (64 hex digits), created once by the schema migration and so
  // shared by every node of this store. Never log it. kNotFound where a store has none (the
  // in-memory test store: one process, no bus).
  virtual Result<std::string> BusKey() {
    return Error(Code::kNotFound, Reason::kInternal, "this store keeps no bus key");
  }
  // "sqlite" or "postgres".
  virtual std::string_view kind() const = 0;
};

}  // namespace jwtd::auth
