// The in-memory Store: one mutex, one State; a transaction runs on a private copy that replaces
// the state only on success (see include/jwtd/store/memory_store.h for the contract).
#include "jwtd/store/memory_store.h"

#include <algorithm>
#include <mutex>

#include "store/memory/memory_state.h"

namespace jwtd::store {
namespace {

using auth::AuditEvent;
using auth::RevocationEntry;

constexpr int kSchemaVersion = 1;

bool SessionDead(const auth::Session& s, std::int64_t cutoff) {
  return (s.revoked_at != 0 && s.revoked_at < cutoff) || s.idle_expires_at < cutoff ||
         (s.absolute_expires_at != 0 && s.absolute_expires_at < cutoff);
}

class MemoryStore final : public auth::Store, public auth::RevocationLog {
 public:
  Result<void> Transact(const std::function<Result<void>(auth::StoreTx&)>& fn) override {
    std::lock_guard lock(mu_);
    memory::State copy = state_;
    auto tx = memory::NewMemoryTx(copy);
    Result<void> result = fn(*tx);
    if (result.ok()) state_ = std::move(copy);
    return result;
  }

  Result<void> Read(const std::function<Result<void>(auth::StoreReadTx&)>& fn) override {
    std::lock_guard lock(mu_);
    auto tx = memory::NewMemoryTx(state_);  // fn sees only the reads: state_ stays as it is
    return fn(*tx);
  }

  auth::RevocationLog& revocation_log() override { return *this; }

  // One process, no bus (auth/ports.h).
  Result<std::string> BusKey() override {
    return Error(Code::kNotFound, Reason::kInternal, "the memory store keeps no bus key");
  }

  Result<std::vector<RevocationEntry>> ReadRevocations(std::int64_t after_seq, std::int64_t now,
                                                       std::size_t limit) override {
    limit = std::min(limit, kMaxRowsPerRead);
    std::lock_guard lock(mu_);
    std::vector<RevocationEntry> out;
    for (auto it = state_.revocations.upper_bound(after_seq);
         it != state_.revocations.end() && out.size() < limit; ++it) {
      if (it->second.expires_at > now) out.push_back(it->second);
    }
    return out;
  }

  Result<std::int64_t> MaxRevocationSeq() override {
    std::lock_guard lock(mu_);
    return state_.last_seq;
  }

  Result<std::int64_t> SweepExpired(std::int64_t now, std::int64_t retain_seconds) override {
    std::lock_guard lock(mu_);
    const std::int64_t cutoff = now - retain_seconds;
    std::int64_t deleted = std::erase_if(
        state_.revocations, [now](const auto& kv) { return kv.second.expires_at <= now; });
    for (auto& [hash, r] : state_.refreshes) {
      // The row stays: reuse detection needs it (memory_store.h); its sealed successor goes.
      if (r.state == auth::RefreshState::kRotated && r.rotated_at < cutoff) {
        r.sealed_successor.clear();
      }
    }
    deleted += std::erase_if(state_.refreshes, [&](const auto& kv) {
      auto session = state_.sessions.find(kv.second.session_id);
      return session != state_.sessions.end() && SessionDead(session->second.session, cutoff);
    });
    deleted += std::erase_if(state_.sessions, [cutoff](const auto& kv) {
      return SessionDead(kv.second.session, cutoff);
    });
    return deleted;
  }

  Result<std::int64_t> ForgetSealedSuccessors(std::int64_t rotated_before) override {
    std::lock_guard lock(mu_);
    std::int64_t cleared = 0;
    for (auto& [hash, r] : state_.refreshes) {
      if (r.state == auth::RefreshState::kRotated && r.rotated_at < rotated_before &&
          !r.sealed_successor.empty()) {
        r.sealed_successor.clear();
        ++cleared;
      }
    }
    return cleared;
  }

  Result<std::int64_t> SweepAudit(std::int64_t before) override {
    std::lock_guard lock(mu_);
    return static_cast<std::int64_t>(
        std::erase_if(state_.audit, [before](const AuditEvent& e) { return e.at < before; }));
  }

  // No streams here (ssf() is null): nothing can still deliver an event.
  Result<std::int64_t> SweepDeliveredEvents(std::int64_t before) override {
    std::lock_guard lock(mu_);
    return static_cast<std::int64_t>(std::erase_if(
        state_.security_events, [before](const auth::SecurityEvent& e) { return e.at < before; }));
  }

  Result<std::vector<AuditEvent>> ListAudit(const auth::AuditFilter& filter) override {
    const std::size_t limit = std::min(filter.limit, kMaxRowsPerRead);
    std::lock_guard lock(mu_);
    std::vector<const AuditEvent*> rows;
    for (const AuditEvent& e : state_.audit) {
      if (filter.user_id && e.user_id != filter.user_id) continue;
      if (!filter.event.empty() && e.event != filter.event) continue;
      if (e.at < filter.since) continue;
      rows.push_back(&e);
    }
    // Newest first: by time, then by id (insertion order).
    std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
      return a->at != b->at ? a->at > b->at : a->id > b->id;
    });
    std::vector<AuditEvent> out;
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) out.push_back(*rows[i]);
    return out;
  }

  Result<void> Ping() override { return Ok(); }
  Result<int> Migrate() override { return kSchemaVersion; }

 private:
  std::mutex mu_;
  memory::State state_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<auth::Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace jwtd::store
