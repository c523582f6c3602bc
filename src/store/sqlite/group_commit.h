// Group commit for the SQLite writer: many threads' write bodies share one transaction and one
// fsync, with each body isolated in its own SAVEPOINT.
//
// Why: with synchronous=FULL every COMMIT fsyncs the WAL (~150 us on the reference machine),
// so one commit per Transact caps a single writer at a few thousand transactions per second
// whatever the CPU. Callers that arrive while a commit is in flight queue up; the next leader
// (the oldest queued caller, on its own thread: no extra thread, no hand-off when idle) runs up
// to max_batch of them one after another on the one writer connection inside one
// `BEGIN IMMEDIATE`, then COMMITs once.
//
// Semantics kept from one-transaction-per-call:
//  - Serialisation: bodies run one at a time on one connection, in arrival order; each sees
//    the writes of the bodies before it, so read-then-write (LockSession, rotation) holds.
//  - Isolation of failures: a body that fails (or throws) is rolled back to its savepoint only
//    and its caller gets its error; the other bodies of the batch proceed.
//  - Durability: a caller is answered only after the COMMIT that holds its writes returned
//    and, when a `sync` is given, after a sync that began once that COMMIT had written the
//    WAL; if either fails, every caller whose body succeeded gets that error.
//  - Pipelining (with `sync`): the connection runs synchronous=NORMAL, so COMMIT only writes
//    the WAL; the leader then releases the writer and hands leadership on before it fsyncs.
//    The next batch runs its bodies while this one waits for the disk: throughput is bounded
//    by the bodies' CPU time rather than by one fsync per batch. A batch's fsync covers every
//    frame written before it, earlier batches' included, and tells of any writeback error on
//    them: the store syncs through descriptors opened at start, one per sync in flight, and
//    Linux reports an error to every descriptor open when it happened (sqlite_store.cc).
//  - Poisoned after a failed sync: the kernel may have dropped the WAL frames it could not
//    write and reports that only once per descriptor, so a later "successful" sync proves
//    nothing about them, and SQLite's WAL recovery stops at the first bad frame: every later
//    commit would hang on frames that may be gone. From the first failed sync on, every Run
//    fails at once with kUnavailable (NotDurable()) without touching the file, and no batch is
//    answered ok any more, not even one whose own sync, running beside the failed one,
//    succeeded. Only a restart (a fresh WAL recovery from what is really on disk) clears it;
//    one error line is logged when it happens.
//  - Busy: a BEGIN/COMMIT that met SQLITE_BUSY (another process's writer) reruns the batch, at
//    most max_attempts times in all; bodies must be free of outside side effects (ports.h).
//    If SQLite itself aborts the transaction (I/O error, disk full), the bodies that already
//    ran lost their writes: they get that error too.
//
// Thread-safety: Run may be called from any number of threads. The writer connection is used
// only by the current leader, under `write_mu` (shared with Migrate and other direct users).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "jwtd/auth/ports.h"
#include "jwtd/result.h"
#include "store/sqlite/connection.h"

namespace jwtd::store::sqlite {

class GroupCommitter {
 public:
  using Body = std::function<Result<void>(Connection&)>;
  // Makes everything the writer committed so far durable (fdatasync of the WAL) and reports
  // any writeback error of it; may run on several threads at once, outside write_mu.
  using Sync = std::function<Result<void>()>;

  GroupCommitter(Connection& writer, std::mutex& write_mu, std::size_t max_batch, int max_attempts,
                 Sync sync = {})
      : writer_(writer),
        write_mu_(write_mu),
        max_batch_(max_batch),
        max_attempts_(max_attempts),
        sync_(std::move(sync)) {}
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `body` in a savepoint of a write transaction; returns its error, or the transaction's,
  // or ok once the transaction holding its writes has committed.
  Result<void> Run(const Body& body);

  // COMMITs that succeeded so far (tests check that concurrent callers share them).
  std::int64_t commits() const;

  // Ok, or NotDurable() once a sync has failed (for the store's Ping: the node is not ready).
  Result<void> Health() const;

 private:
  struct Pending {
    const Body* body;
    Result<void> result;           // final once done
    bool done = false;             // guarded by mu_
    bool lead = false;             // guarded by mu_: run the next batch
    std::condition_variable wake;  // this caller's own: a batch wakes only its callers
  };

  // Runs the batch and COMMITs under write_mu; true if it committed.
  bool Lead(std::vector<Pending*>& batch);
  // After the commit: the sync, if any; its failure, or poisoning, fails every body that had
  // succeeded.
  void MakeDurable(std::vector<Pending*>& batch);
  // The sync unless poisoned; a failure poisons (and logs, once).
  Result<void> CheckedSync();
  // Under mu_: the next queued caller leads, or nobody.
  void HandOffLeadership();
  Result<void> Attempt(std::vector<Pending*>& batch);
  void RunInSavepoint(Pending& item);

  Connection& writer_;
  std::mutex& write_mu_;
  const std::size_t max_batch_;
  const int max_attempts_;
  const Sync sync_;

  mutable std::mutex mu_;
  std::deque<Pending*> queue_;  // guarded by mu_; waiting callers, oldest first
  bool leading_ = false;        // guarded by mu_: a batch is running or its leader is chosen
  std::int64_t commits_ = 0;    // guarded by mu_

  // Set once, by the first failed sync; never cleared. Read without a lock on the way in, so a
  // poisoned committer refuses at once.
  std::atomic<bool> poisoned_{false};
};

// The error of every write after a failed sync: kUnavailable (503 with Retry-After), telling
// the operator what to do.
Error NotDurable();

// The successful group commits of a store opened by OpenSqliteStore (for tests: concurrent
// Transacts share commits); -1 for any other Store.
std::int64_t CommitCount(auth::Store& store);

}  // namespace jwtd::store::sqlite
