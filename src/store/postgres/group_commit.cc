#include "store/postgres/group_commit.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace jwtd::store::postgres {
namespace {

// The body runs on the leader's thread, maybe not its caller's: nothing may escape into the
// leader (it answers other callers too).
Result<void> CallBody(const GroupCommitter::Body& body, Connection& conn, PendingAppends& pending) {
  try {
    return body(conn, pending);
  } catch (const std::exception&) {
    return Error(Code::kInternal, Reason::kInternal, "postgres: write transaction threw");
  }
}

}  // namespace

GroupCommitter::GroupCommitter(GroupCommitOptions options, Transaction transaction)
    : options_{std::max<std::size_t>(options.lanes, 1),
               std::clamp<std::size_t>(options.max_batch, 1, 63)},
      transaction_(std::move(transaction)) {}

Result<void> GroupCommitter::Run(const Body& body) {
  Pending me{&body};
  std::unique_lock lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (!me.queued || leading_ >= options_.lanes) {
      // In another leader's batch, or every lane is busy: woken when a batch holding this
      // caller is done, or as the queue's head when a lane frees up.
      me.wake.wait(lock);
      continue;
    }
    ++leading_;
    std::vector<Pending*> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(queue_.front());
      batch.back()->queued = false;
      queue_.pop_front();
    }
    // Two lanes freed at once wake the same head: pass the turn on while lanes are free.
    if (!queue_.empty() && leading_ < options_.lanes) queue_.front()->wake.notify_one();
    lock.unlock();
    Lead(batch);
    lock.lock();
    --leading_;
    // Wake exactly the finished callers (no herd), under mu_: a woken caller returns and
    // destroys its Pending. Then the next caller in line, to lead in the freed lane.
    for (Pending* item : batch) {
      item->done = true;
      if (item != &me) item->wake.notify_one();
    }
    if (!queue_.empty()) queue_.front()->wake.notify_one();
  }
  return std::move(me.result);
}

void GroupCommitter::Lead(const std::vector<Pending*>& batch) {
  PendingAppends pending;
  Result<void> committed = transaction_([&](Connection& conn) {
    return RunBodies(conn, batch, pending);  // from scratch on every attempt
  });
  if (committed.ok()) {
    std::lock_guard lock(mu_);
    ++commits_;
    return;
  }
  for (Pending* item : batch) {
    if (item->result.ok()) item->result = committed.error();
  }
}

Result<void> GroupCommitter::RunBodies(Connection& conn, const std::vector<Pending*>& batch,
                                       PendingAppends& pending) {
  pending.Clear();
  std::size_t succeeded = 0;
  for (Pending* item : batch) {
    JWTD_RETURN_IF_ERROR(conn.Savepoint());
    pending.BeginBody();
    item->result = CallBody(*item->body, conn, pending);
    if (item->result.ok()) {
      ++succeeded;
      continue;
    }
    // A conflict aborted this body's statement: rerun the whole batch (the store's retry sees
    // conn.conflict()). Otherwise undo this body only.
    if (conn.conflict()) return item->result.error();
    pending.AbandonBody();
    JWTD_RETURN_IF_ERROR(conn.RollbackToSavepoint());
  }
  if (succeeded == 0) return Ok();  // nothing to commit: COMMIT of an empty transaction
  // The counter row is locked from here to the COMMIT that follows.
  return pending.Flush(conn);
}

std::int64_t GroupCommitter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

}  // namespace jwtd::store::postgres
