#include "store/sqlite/group_commit.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace jwtd::store::sqlite {
namespace {

// Rolls back a transaction left open on any way out of an attempt.
class RollbackGuard {
 public:
  explicit RollbackGuard(Connection& conn) : conn_(conn) {}
  RollbackGuard(const RollbackGuard&) = delete;
  RollbackGuard& operator=(const RollbackGuard&) = delete;
  ~RollbackGuard() {
    if (conn_.in_transaction()) (void)conn_.Exec("ROLLBACK", "rollback");
  }

 private:
  Connection& conn_;
};

// The body runs on the leader's thread, maybe not its caller's: nothing may escape into the
// leader (it answers other callers too).
Result<void> CallBody(const GroupCommitter::Body& body, Connection& conn) {
  try {
    return body(conn);
  } catch (const std::exception&) {
    return Error(Code::kInternal, Reason::kInternal, "sqlite: write transaction threw");
  }
}

}  // namespace

Error NotDurable() {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable,
               "sqlite: the database could not be made durable (fsync failed); restart jwtd "
               "after checking the disk");
}

Result<void> GroupCommitter::Run(const Body& body) {
  if (poisoned_.load(std::memory_order_acquire)) return NotDurable();
  Pending me{&body, Ok()};
  std::unique_lock lock(mu_);
  queue_.push_back(&me);
  if (!leading_) {  // idle: this caller commits at once, alone unless others arrive meanwhile
    leading_ = true;
    me.lead = true;
  }
  me.wake.wait(lock, [&] { return me.done || me.lead; });
  if (me.done) return std::move(me.result);
  // Leader: the queue's head is this caller (leadership goes to the head only), so the batch
  // holds it. Later arrivals wait for the next batch.
  std::vector<Pending*> batch;
  while (!queue_.empty() && batch.size() < max_batch_) {
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  lock.unlock();
  const bool committed = Lead(batch);
  lock.lock();
  if (sync_) {
    // The writer is free: the next batch runs its bodies while this one waits for the disk.
    HandOffLeadership();
    lock.unlock();
    if (committed) MakeDurable(batch);
    lock.lock();
  }
  // Wake exactly the finished callers (no herd). Under mu_: a woken caller returns and destroys
  // its Pending.
  for (Pending* item : batch) {
    item->done = true;
    if (item != &me) item->wake.notify_one();
  }
  if (!sync_) HandOffLeadership();
  return std::move(me.result);
}

void GroupCommitter::HandOffLeadership() {
  if (queue_.empty()) {
    leading_ = false;
  } else {
    queue_.front()->lead = true;
    queue_.front()->wake.notify_one();
  }
}

void GroupCommitter::MakeDurable(std::vector<Pending*>& batch) {
  Result<void> durable = CheckedSync();
  if (durable.ok()) return;
  for (Pending* item : batch) {
    if (item->result.ok()) item->result = durable.error();
  }
}

Result<void> GroupCommitter::CheckedSync() {
  // Once poisoned, a sync proves nothing about the frames this batch follows.
  if (poisoned_.load(std::memory_order_acquire)) return NotDurable();
  Result<void> synced = sync_();
  if (!synced.ok()) {
    if (!poisoned_.exchange(true, std::memory_order_acq_rel)) {
      spdlog::error(
          "{}; every write is refused from now on (the kernel may have dropped the unwritten "
          "write-ahead log frames and reports that only once): the database could not be made "
          "durable, restart jwtd after checking the disk",
          synced.error().message());
    }
    return synced;
  }
  // A sync beside this one failed meanwhile: answer nothing ok from now on.
  if (poisoned_.load(std::memory_order_acquire)) return NotDurable();
  return Ok();
}

std::int64_t GroupCommitter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

Result<void> GroupCommitter::Health() const {
  if (poisoned_.load(std::memory_order_acquire)) return NotDurable();
  return Ok();
}

bool GroupCommitter::Lead(std::vector<Pending*>& batch) {
  std::lock_guard write_lock(write_mu_);
  // Queued before a sync failed, running after it: not one byte more into the file.
  if (poisoned_.load(std::memory_order_acquire)) {
    for (Pending* item : batch) item->result = NotDurable();
    return false;
  }
  for (int attempt = 1;; ++attempt) {
    (void)writer_.TakeBusy();
    Result<void> outcome = Attempt(batch);
    if (outcome.ok()) {
      std::lock_guard lock(mu_);
      ++commits_;
      return true;
    }
    // Nothing of this attempt is committed. Busy (another process holds the write lock past
    // busy_timeout): run the whole batch again. Otherwise every body that had succeeded lost
    // its writes with the transaction and gets its error.
    if (writer_.TakeBusy() && attempt < max_attempts_) continue;
    for (Pending* item : batch) {
      if (item->result.ok()) item->result = outcome.error();
    }
    return false;
  }
}

Result<void> GroupCommitter::Attempt(std::vector<Pending*>& batch) {
  for (Pending* item : batch) item->result = Ok();
  // IMMEDIATE takes the write lock up front, so a read-then-write (LockSession, rotation)
  // cannot be overtaken by another writer, in this process or another.
  JWTD_RETURN_IF_ERROR(writer_.Exec("BEGIN IMMEDIATE", "begin"));
  RollbackGuard guard(writer_);
  for (Pending* item : batch) {
    RunInSavepoint(*item);
    if (!writer_.in_transaction()) {
      // SQLite rolled the whole transaction back (I/O error, disk full, out of memory).
      if (!item->result.ok()) return item->result.error();
      return Error(Code::kUnavailable, Reason::kStoreUnavailable,
                   "sqlite: the write transaction was aborted");
    }
  }
  // With synchronous=FULL the WAL is fsynced before COMMIT returns: durable on success, for
  // every body of the batch at once.
  return writer_.Exec("COMMIT", "commit");
}

void GroupCommitter::RunInSavepoint(Pending& item) {
  for (int attempt = 1;; ++attempt) {
    (void)writer_.TakeBusy();
    Result<void> result = writer_.Exec("SAVEPOINT batch_item", "savepoint");
    if (result.ok()) result = CallBody(*item.body, writer_);
    if (result.ok()) result = writer_.Exec("RELEASE batch_item", "release");
    if (result.ok()) {
      item.result = Ok();
      return;
    }
    const bool busy = writer_.TakeBusy();
    // Undo this body's writes only; the batch's other bodies keep theirs.
    if (writer_.in_transaction()) {
      (void)writer_.Exec("ROLLBACK TO batch_item; RELEASE batch_item", "rollback to savepoint");
    }
    item.result = std::move(result);
    if (!busy || attempt >= max_attempts_ || !writer_.in_transaction()) return;
  }
}

}  // namespace jwtd::store::sqlite
