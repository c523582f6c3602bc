#include "revocation_commit.h"

#include <optional>

#include "jwtd/auth/revocation_bus.h"
#include "jwtd/auth/revocation_sync.h"

namespace jwtd::auth {

Result<void> RevocationBatch::Append(RevocationEntry entry) {
  RevocationEntry& slot = appended_ + 1 < kKeepAtMost ? kept_.emplace_back() : last_;
  slot = std::move(entry);
  slot.seq = 0;
  if (Result<void> appended = tx_.AppendRevocation(slot, &slot.seq); !appended.ok()) {
    if (&slot != &last_) kept_.pop_back();
    return appended.error();
  }
  ++appended_;
  return Ok();
}

std::vector<RevocationEntry> RevocationBatch::kept() const {
  std::vector<RevocationEntry> out(kept_.begin(), kept_.end());
  if (appended_ >= kKeepAtMost) out.push_back(last_);
  return out;
}

Result<void> RevocationCommitter::Commit(const Body& body) const {
  std::optional<RevocationBatch> committed;
  auto done = store_->Transact([&](StoreTx& tx) -> Result<void> {
    committed.emplace(tx);  // a retried attempt starts over with an empty batch
    return body(*committed);
  });
  if (!done.ok()) return done.error();
  const std::vector<RevocationEntry> entries = committed->kept();
  // This node refuses at once. An overflowed batch applies its last entry too, so the view
  // sees the gap up to it and stays stale until the catch-up below (or the poller) reads the
  // entries in between from the log.
  sync_->ApplyLocal(entries);
  if (committed->overflowed()) (void)sync_->CatchUp();  // a failure leaves the view stale
  // Then the others; a lost publish costs them latency only (they read the log on a gap).
  if (bus_ != nullptr) {
    for (const RevocationEntry& entry : entries) bus_->Publish(entry);
  }
  return Ok();
}

}  // namespace jwtd::auth
