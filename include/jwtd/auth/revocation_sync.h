// jwtd::auth::RevocationSync — keeps one node's RevocationView in step with the durable
// revocation log and says, on every request, whether the view may be trusted. Every node runs
// exactly one, whatever its deployment: the one path by which revocations made elsewhere (the
// CLI in another process, other nodes) reach this node's view, with one gap-free cursor.
//
// Two sources (RevocationSyncOptions::source):
//  - kPoll (one node, no bus): the poller (Start) reads the log after the cursor every
//    poll_interval_ms, and at once when a local commit reveals a gap; each completed read
//    verifies the view.
//  - kBus (many nodes): entries and heartbeats from a bus (src/store/redis, or any feed) apply at
//    once, bus connection events gate trust, and the poller still reads the log as a backstop.
// Inputs in both: the node's own commits (ApplyLocal). The view is trusted ("fresh") only while
//   - it was loaded from the log at least once, and with a bus: the bus is connected and the
//     view was resynced from the log since it connected,
//   - no entry is known to be missing (every seq up to the highest one heard in an entry or a
//     local commit has been applied), and
//   - the view was last verified current less than `staleness_bound_ms` ago. A heartbeat
//     carrying the store's max seq that the view has already applied verifies it as of the
//     heartbeat's send time (not its arrival); so does a completed catch-up from the store, as
//     of its start. A heartbeat naming a seq the view lacks verifies nothing and starts a
//     catch-up, but does not void the trust already earned: it may have overtaken the entry it
//     names, and whatever the view lacks was committed after it was last verified.
// Otherwise it is stale, and EnsureFresh() either reads the store first (kCheck) or refuses
// (kRefuse). A stale view is never trusted: a revoked token is not accepted while the bus is
// down, after a lost message, or when heartbeats stop.
//
// Two cursors, kept here and not taken from RevocationView::applied_seq() (a local commit, seq
// 12, may be applied before another node's seq 11 arrives):
//   - the contiguous cursor: every seq up to it is applied, from the bus, local commits or the
//     store. A seq heard beyond it is a gap (stale until closed, when heard in an entry or a
//     commit).
//   - the durable cursor: every seq up to it was read from the store. Catch-ups read the log
//     after it, so only the store, never a bus message alone, decides what a catch-up skips: a
//     forged entry cannot hide a real one that the bus then drops (docs/security.md, K1).
// The highest seq heard of is capped at each catch-up to what the store confirms (its max seq,
// and whatever was heard while it ran), so a forged heartbeat or seq cannot keep the view stale
// for good (K2). Key revocations (kind kKey) from the bus are not applied as heard: they are a
// gap that the catch-up fills from the store's log, so only a durable one takes effect.
//
// Expired view entries are dropped at the end of every catch-up, so expiry runs in every mode.
//
// Thread-safety: all methods are thread-safe. One bus thread calls the On* inputs, request
// threads call EnsureFresh() (lock-free when fresh: one clock read and one atomic load) and
// ApplyLocal(), the poller thread (Start/Stop) reads the log. Catch-ups are single-flight;
// concurrent callers wait for the one in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"

namespace jwtd::auth {

class RevocationLog;
class RevocationView;

enum class SyncSource : std::uint8_t {
  kPoll = 0,  // no bus: follow the log by polling it
  kBus = 1,   // a bus delivers entries and heartbeats; the log is polled as a backstop
};

enum class StaleMode : std::uint8_t {
  kCheck = 0,   // stale: catch up from the store on the request, then decide
  kRefuse = 1,  // stale: refuse (kUnavailable / kViewStale) until back in step
};

enum class SyncState : std::uint8_t {
  kInSync = 0,      // fresh: the view is trusted
  kCatchingUp = 1,  // a catch-up from the store is running
  kStale = 2,       // not trusted: disconnected, a gap, or verified too long ago
};
std::string_view SyncStateName(SyncState state);

struct RevocationSyncOptions {
  SyncSource source = SyncSource::kPoll;
  std::int64_t staleness_bound_ms = 1000;  // at most this far behind while trusted
  // How often the poller reads the log (Start). Must be below the staleness bound, or a quiet
  // poll-mode node would go stale between reads.
  std::int64_t poll_interval_ms = 200;
  StaleMode stale_mode = StaleMode::kCheck;
  // How long a request waits for a catch-up (its own or one in flight) before giving up.
  std::int64_t check_timeout_ms = 2000;
  // After a failed catch-up the bus thread waits this long before trying again (requests in
  // kCheck mode still try on their own).
  std::int64_t retry_after_failure_ms = 200;
  std::size_t page_size = 1000;         // log entries per store read
  std::size_t max_out_of_order = 4096;  // entries ahead of a gap remembered (bounded)
};

// A snapshot for /readyz and /metrics.
struct Freshness {
  SyncState state = SyncState::kStale;
  SyncSource source = SyncSource::kPoll;
  StaleMode stale_mode = StaleMode::kCheck;
  bool connected = false;              // poll: loaded once; bus: subscription up and resynced
  bool store_reachable = true;         // the last catch-up succeeded
  std::int64_t applied_seq = 0;        // contiguous: every seq <= this is applied
  std::int64_t known_max_seq = 0;      // highest seq heard of (entries, heartbeats, store)
  std::int64_t lag_ms = 0;             // time since the view was last verified current
  std::int64_t last_heartbeat_ms = 0;  // sent_at of the last heartbeat (Unix ms); 0: none
  // Counters since start.
  std::uint64_t entries_received = 0;
  std::uint64_t heartbeats_received = 0;
  std::uint64_t gaps = 0;
  std::uint64_t catch_ups = 0;
  std::uint64_t catch_up_failures = 0;
  std::uint64_t stale_checks = 0;    // requests that caught up from the store first
  std::uint64_t stale_refusals = 0;  // requests refused because the view was stale
  std::uint64_t disconnects = 0;
  std::uint64_t bus_rejected = 0;  // bus messages dropped for a bad or missing MAC
};

class RevocationSync {
 public:
  virtual ~RevocationSync() = default;

  // `log`, `view` and `clock` must outlive the sync. The view starts stale; CatchUp() (or the
  // poller) loads it. kInvalidArgument for null pointers or bad options (a poll interval not
  // below the staleness bound included).
  static Result<std::unique_ptr<RevocationSync>> Create(RevocationSyncOptions options,
                                                        RevocationLog* log, RevocationView* view,
                                                        const Clock* clock);

  // `on_new` is called (on the calling thread, without the sync's locks held) whenever entries
  // reach the view that were not read from the log by this sync: this node's commits and entries
  // from the bus. The revocation feed uses it to read the log at once. Set before any input; must
  // not block.
  virtual void SetListener(std::function<void()> on_new) = 0;

  // Starts the poller thread; idempotent. Stop() (or the destructor) joins it. A process that
  // only commits and exits (the CLI) need not start it.
  virtual void Start() = 0;
  virtual void Stop() = 0;

  // --- bus inputs (the bus thread) ---
  // Applies the entry at once (applying early only makes the view stricter; key revocations
  // excepted, see above); a seq beyond the next expected one is a gap, and the log is read from
  // the store at once. The durable cursor does not move.
  virtual void OnEntry(const RevocationEntry& entry) = 0;
  // A peer's statement "every seq committed before sent_at_ms (Unix ms) is <= max_seq".
  // Verifies the view as of sent_at_ms if it has applied max_seq; otherwise a gap, caught up at
  // once. Heartbeats older than the bound (by the wall clock, Clock::NowMillis) verify nothing.
  virtual void OnHeartbeat(std::int64_t max_seq, std::int64_t sent_at_ms) = 0;
  // The subscription is up: catches up from the store (messages may have been lost), then the
  // view may be fresh again.
  virtual void OnConnected() = 0;
  virtual void OnDisconnected() = 0;
  // A message on the bus failed authentication and was dropped (counted only).
  virtual void OnRejected() = 0;

  // --- this node's commits (request threads) ---
  // Applies entries this node committed, before they are published. A seq beyond the cursor
  // means another process committed in between: the view is stale until a catch-up reads it,
  // and the poller is woken to do so at once.
  virtual void ApplyLocal(const std::vector<RevocationEntry>& entries) = 0;

  // --- request path ---
  // Ok when the view may be trusted for this request. Stale: kCheck catches up from the store
  // first (ok once done; kUnavailable/kViewStale if the store cannot be read within
  // check_timeout_ms); kRefuse returns kUnavailable/kViewStale at once.
  [[nodiscard]] virtual Result<void> EnsureFresh() = 0;

  // Reads the log past the contiguous cursor and applies it (single-flight). kUnavailable if
  // the store cannot be read.
  [[nodiscard]] virtual Result<void> CatchUp() = 0;

  virtual Freshness freshness() const = 0;
  virtual std::int64_t staleness_bound_ms() const = 0;
};

}  // namespace jwtd::auth
