// Group commit for the PostgreSQL store: many callers' write bodies share one transaction, one
// revocation-log append and one WAL flush, each body isolated in its own SAVEPOINT.
//
// Why: a revocation must take the log's counter row (pending_appends.h), and that row lock is
// held until the commit is durable, so with one transaction per revocation the revocations of
// every node commit one at a time, each waiting for its own WAL flush (~600/s on the reference
// machine whatever the number of clients). Batched, one flush carries a whole batch.
//
// How: a caller joins a FIFO queue. While fewer than `lanes` batches are in flight, a caller
// leads one itself (on its own thread: no hand-off, no added latency when idle): it takes up to
// `max_batch` queued bodies from the front, runs them one after another on one pooled
// connection inside one transaction, appends the log entries they queued in one statement,
// COMMITs and answers them. Callers that arrive while every lane is busy queue up for the next
// batch, so batches grow with the load. Several lanes overlap one batch's bodies with another's
// WAL flush; the counter row orders their commits.
//
// Semantics kept from one-transaction-per-call:
//  - A body sees the writes of the bodies before it in its batch; bodies of different batches
//    run concurrently, ordered by row locks as concurrent transactions always were.
//  - A body that fails is rolled back to its savepoint (with its queued log entries) and its
//    caller gets its error; the batch's other bodies proceed.
//  - A caller is answered only after the COMMIT that holds its writes returned; if the COMMIT
//    (or the append) fails, every caller whose body had succeeded gets that error.
//  - A conflict (serialization failure, deadlock: possible between two batches that lock the
//    same rows in crossed order) reruns the whole batch, like a conflicting transaction was
//    rerun; bodies must be free of outside side effects (ports.h).
// max_batch stays below 64: each body's savepoint is a subtransaction, and PostgreSQL caches at
// most 64 per backend before every other session's snapshots get slower (subxid overflow).
//
// Thread-safety: Run may be called from any number of threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "jwtd/result.h"
#include "store/postgres/connection.h"
#include "store/postgres/pending_appends.h"

namespace jwtd::store::postgres {

struct GroupCommitOptions {
  std::size_t lanes = 2;       // batches in flight at once (each holds one pooled connection)
  std::size_t max_batch = 32;  // bodies per batch (1..63)
};

class GroupCommitter {
 public:
  // One caller's writes: runs on `conn` inside the batch's transaction; log appends go to
  // `pending`.
  using Body = std::function<Result<void>(Connection& conn, PendingAppends& pending)>;
  // Runs `batch` in one transaction on a pooled connection: BEGIN, batch(conn), COMMIT, with the
  // store's retries (PostgresStore::Write); batch may run more than once.
  using Transaction =
      std::function<Result<void>(const std::function<Result<void>(Connection&)>& batch)>;

  GroupCommitter(GroupCommitOptions options, Transaction transaction);

  // Runs `body` in some batch; returns its error, or the batch's, or ok once committed.
  [[nodiscard]] Result<void> Run(const Body& body);

  // Batches committed so far (for tests and metrics).
  std::int64_t commits() const;

 private:
  struct Pending {
    const Body* body;
    Result<void> result = Ok();
    bool queued = true;  // not yet taken into a batch; guarded by mu_
    bool done = false;   // guarded by mu_
    std::condition_variable wake;
  };

  // Runs one batch to its end and sets every item's result (not under mu_).
  void Lead(const std::vector<Pending*>& batch);
  // The batch's transaction body: every body in its savepoint, then the log append.
  Result<void> RunBodies(Connection& conn, const std::vector<Pending*>& batch,
                         PendingAppends& pending);

  const GroupCommitOptions options_;
  const Transaction transaction_;
  mutable std::mutex mu_;
  std::deque<Pending*> queue_;  // guarded by mu_
  std::size_t leading_ = 0;     // batches in flight; guarded by mu_
  std::int64_t commits_ = 0;    // guarded by mu_
};

}  // namespace jwtd::store::postgres
