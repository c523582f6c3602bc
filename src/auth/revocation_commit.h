// The one funnel of every revoking operation (style.md "one funnel per kind of write"): logout,
// logout by refresh token, logout-all, session delete, RFC 7009 revoke, the operator's
// revocations, user disable, reuse detection and key revocation all go through
// RevocationCommitter::Commit:
//   collect (RevocationBatch::Append, in the transaction) -> commit (durable)
//   -> apply to this node's view -> publish to the others.
// So no flow can forget a step, and a 2xx after Commit means every node refuses from then on
// (this one at once, the others within the staleness bound).
//
// Thread-safety: a RevocationCommitter is shared by all threads (its dependencies are
// thread-safe); a RevocationBatch belongs to the one transaction it was made for.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/auth/ports.h"
#include "jwtd/random.h"
#include "jwtd/result.h"

namespace jwtd::auth {

class RevocationBus;
class RevocationSync;

// What one transaction revokes. Entries are appended to the log in the transaction and kept for
// after the commit — up to a bound, so a logout-all of a user with very many sessions does not
// hold them all in memory: past it only the last entry is kept and the rest is read back from
// the log (the sync's catch-up) after the commit. The store fills in each kept entry's seq by the
// time the transaction has committed (StoreTx::AppendRevocation): a deque keeps their addresses.
class RevocationBatch {
 public:
  static constexpr std::size_t kKeepAtMost = 1024;

  explicit RevocationBatch(StoreTx& tx) : tx_(tx) {}

  // Appends `entry` to the log inside the transaction.
  [[nodiscard]] Result<void> Append(RevocationEntry entry);
  // Writes `event` to the security-event outbox inside the transaction: delivered to relying
  // parties (Shared Signals) once committed, and only then. Every event of one transaction
  // carries the same txn (RFC 8417 §2.2), so a receiver can tell they came from one change.
  [[nodiscard]] Result<void> Emit(SecurityEvent event) {
    if (txn_.empty()) txn_ = RandomToken(12);
    event.txn = txn_;
    return tx_.AppendSecurityEvent(event);
  }

  StoreTx& tx() { return tx_; }
  std::size_t appended() const { return appended_; }
  // The entries to apply locally: all of them, or (overflowed) the first ones and the last.
  std::vector<RevocationEntry> kept() const;
  bool overflowed() const { return appended_ > kKeepAtMost; }

 private:
  StoreTx& tx_;
  std::string txn_;                   // made at the first Emit
  std::deque<RevocationEntry> kept_;  // at most kKeepAtMost - 1 first entries
  // Past the bound, the latest entry: each append overwrites it and the store writes the seqs in
  // append order, so the last seq written is this entry's.
  RevocationEntry last_;
  std::size_t appended_ = 0;
};

class RevocationCommitter {
 public:
  // Fills one transaction; see Store::Transact (it may run more than once: each attempt gets a
  // fresh batch, so nothing of a rolled-back attempt is applied).
  using Body = std::function<Result<void>(RevocationBatch&)>;

  // `store` and `sync` are required, `bus` optional (none on a single node); all outlive this.
  RevocationCommitter(Store* store, RevocationSync* sync, RevocationBus* bus)
      : store_(store), sync_(sync), bus_(bus) {}

  // Runs `body` in one transaction; once committed, applies what it appended to the local view
  // and publishes it. Returns the transaction's (or body's) error, having applied nothing.
  [[nodiscard]] Result<void> Commit(const Body& body) const;

 private:
  Store* const store_;
  RevocationSync* const sync_;
  RevocationBus* const bus_;
};

}  // namespace jwtd::auth
