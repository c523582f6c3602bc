// What a PostgreSQL transaction appends — revocation-log entries, audit rows, security events —
// queued and written by its last statements, just before COMMIT.
//
// Why: seqs come from the one-row revocation_counter (migrations.cc), whose row lock is held
// until the commit is durable: that is what makes "seq order = commit order" (a follower reading
// `seq > cursor` never misses an entry). Taken by the first statement that revokes, the lock also
// covered every statement after it; taken as the last step before COMMIT, by one statement that
// appends every entry of the transaction (of a whole group commit: group_commit.h), it covers
// only that statement and the WAL flush, which the batch's revocations share. Audit rows and
// security events are append-only and never read back inside a transaction, so they go the same
// way: one multi-row INSERT each for the batch instead of one round trip per row.
//
// The appends of one caller must not fail the batch they are written with: text the database
// would refuse (not UTF-8, NUL) is refused at Add, as the INSERT would have refused it, and
// nothing else in these rows can fail short of the store itself failing.
//
// A transaction that appends very many (a logout-all of a user with 100,000 sessions without the
// version strategy) writes its own appends early, every kFlushEvery, so memory stays bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/result.h"
#include "store/postgres/connection.h"

namespace jwtd::store::postgres {

class PendingAppends {
 public:
  static constexpr std::size_t kFlushEvery = 1024;

  // Queues a log entry; `*seq` receives its seq when it is written.
  [[nodiscard]] Result<void> AddRevocation(Connection& conn, const auth::RevocationEntry& entry,
                                           std::int64_t* seq);
  [[nodiscard]] Result<void> AddAudit(Connection& conn, const auth::AuditEvent& event);
  [[nodiscard]] Result<void> AddSecurityEvent(Connection& conn, const auth::SecurityEvent& event);

  // Writes everything queued: audit rows and events first, then the log entries in one statement
  // (the counter row is locked from there to COMMIT), handing out their seqs in queue order.
  [[nodiscard]] Result<void> Flush(Connection& conn);

  // A group commit runs many bodies in one transaction, each in a savepoint: the appends of a
  // body that failed are rolled back with it, so they leave the queues too. An early write only
  // ever writes the current body's own appends, which its savepoint covers.
  void BeginBody();
  void AbandonBody();
  void Clear();

 private:
  struct Revocation {
    auth::RevocationEntry entry;
    std::int64_t* seq;
  };
  // The queues from index `from` (this body's, or all).
  Result<void> Write(Connection& conn, std::size_t revocations_from, std::size_t audit_from,
                     std::size_t events_from);
  Result<void> WriteIfLarge(Connection& conn);

  std::vector<Revocation> revocations_;
  std::vector<auth::AuditEvent> audit_;
  std::vector<auth::SecurityEvent> events_;
  // Where the current body's appends start in each queue.
  std::size_t body_revocations_ = 0, body_audit_ = 0, body_events_ = 0;
};

}  // namespace jwtd::store::postgres
