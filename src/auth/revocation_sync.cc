// RevocationSync: the freshness state of one node's revocation view (see revocation_sync.h).
#include "jwtd/auth/revocation_sync.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_view.h"

namespace jwtd::auth {
namespace {

constexpr std::int64_t kNanosPerMilli = 1'000'000;

void Add(std::atomic<std::uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }
std::uint64_t Load(const std::atomic<std::uint64_t>& c) {
  return c.load(std::memory_order_relaxed);
}

Error StaleError(const char* why) { return Error(Code::kUnavailable, Reason::kViewStale, why); }

class RevocationSyncImpl final : public RevocationSync {
 public:
  RevocationSyncImpl(RevocationSyncOptions options, RevocationLog* log, RevocationView* view,
                     const Clock* clock)
      : options_(options),
        bound_ns_(options.staleness_bound_ms * kNanosPerMilli),
        log_(log),
        view_(view),
        clock_(clock),
        created_ns_(clock->MonotonicNanos()),
        verified_at_ns_(created_ns_) {}
  ~RevocationSyncImpl() override { Stop(); }

  void Start() override;
  void Stop() override;
  void SetListener(std::function<void()> on_new) override { on_new_ = std::move(on_new); }

  void OnEntry(const RevocationEntry& entry) override;
  void OnHeartbeat(std::int64_t max_seq, std::int64_t sent_at_ms) override;
  void OnConnected() override;
  void OnDisconnected() override;
  void OnRejected() override { Add(rejected_); }
  void ApplyLocal(const std::vector<RevocationEntry>& entries) override;
  Result<void> EnsureFresh() override;
  Result<void> CatchUp() override { return RunCatchUp(std::nullopt); }
  Freshness freshness() const override;
  std::int64_t staleness_bound_ms() const override { return options_.staleness_bound_ms; }

 private:
  // Waits for (or runs) a catch-up that starts after this call; its result. A deadline bounds
  // only the wait for someone else's catch-up.
  Result<void> RunCatchUp(std::optional<std::int64_t> deadline_ns);
  Result<void> ReadLog();
  // The bus thread's catch-up on a gap, skipped shortly after a failure.
  void CatchUpOnGap();
  // The poller thread: a catch-up every poll_interval_ms, or at once when woken.
  void Poll();
  bool polled() const { return options_.source == SyncSource::kPoll; }

  // --- guarded by mu_ ---
  // Records that `seq` is applied to the view; advances the contiguous cursor when it can.
  void NoteApplied(std::int64_t seq);
  // Records a seq heard of (bus, local commit) for the gap check and the next catch-up's cap;
  // `in_entry`: heard in an entry or a local commit, not only named by a heartbeat.
  void NoteHeard(std::int64_t seq, bool in_entry);
  void AdvanceTo(std::int64_t seq);
  void Verified(std::int64_t at_ns);
  bool Gap() const { return known_max_ > cursor_; }
  // A gap that voids trust: an entry or a commit beyond the cursor, i.e. one that is missing.
  // A heartbeat naming a seq the view lacks only stops verifying it: the heartbeat may simply
  // have overtaken the entry it names (a node reads the store's max for its heartbeat without
  // waiting for its own commits' entries to be queued; other nodes publish on connections of
  // their own), and the view was current when last verified, so every revocation it lacks was
  // committed after that and is still within the bound. The catch-up starts at once either way.
  bool MissingEntry() const { return entry_max_ > cursor_; }
  // Publishes the trusted-until instant read by EnsureFresh (0: stale).
  void Recompute();

  // Immutable after construction.
  const RevocationSyncOptions options_;
  const std::int64_t bound_ns_;
  RevocationLog* const log_;
  RevocationView* const view_;
  const Clock* const clock_;
  const ForgetHorizon forget_{clock_};
  const std::int64_t created_ns_;
  std::function<void()> on_new_;  // set once before any input

  // Own synchronisation.
  std::atomic<std::int64_t> fresh_until_ns_{0};  // monotonic; the view is trusted before it
  std::atomic<std::uint64_t> entries_{0}, heartbeats_{0}, gaps_{0}, catch_ups_{0},
      catch_up_failures_{0}, stale_checks_{0}, stale_refusals_{0}, disconnects_{0}, rejected_{0};

  mutable std::mutex mu_;
  std::condition_variable flight_done_;
  std::condition_variable poll_wake_;
  std::thread poller_;  // started once by Start(); joined by Stop()
  // Guarded by mu_.
  bool subscribed_ = false;   // the bus says it is connected
  bool loaded_ = false;       // a catch-up completed once (every source needs it)
  bool wake_poller_ = false;  // a local gap: read the log now
  bool stop_poller_ = false;
  bool resynced_ = false;           // a catch-up completed since it connected
  std::uint64_t epoch_ = 0;         // bumped by every connect/disconnect
  std::int64_t cursor_ = 0;         // every seq <= cursor_ is applied
  std::int64_t durable_ = 0;        // every seq <= durable_ was read from the store
  std::int64_t known_max_ = 0;      // highest seq heard of
  std::int64_t entry_max_ = 0;      // highest seq heard in an entry or a local commit
  std::int64_t heard_in_read_ = 0;  // highest seq heard since the running catch-up began
  std::set<std::int64_t> ahead_;    // applied seqs > cursor_ + 1 (bounded)
  std::int64_t verified_at_ns_;     // the view was current at this instant
  std::int64_t last_heartbeat_ms_ = 0;
  bool store_reachable_ = true;
  std::int64_t last_failure_ns_ = 0;
  bool running_ = false;             // a catch-up is in flight
  std::uint64_t started_ = 0;        // id of the last catch-up started
  std::uint64_t finished_ = 0;       // id of the last catch-up finished
  std::optional<Error> last_error_;  // its result
};

void RevocationSyncImpl::NoteHeard(std::int64_t seq, bool in_entry) {
  known_max_ = std::max(known_max_, seq);
  heard_in_read_ = std::max(heard_in_read_, seq);
  if (in_entry) entry_max_ = std::max(entry_max_, seq);
}

void RevocationSyncImpl::NoteApplied(std::int64_t seq) {
  NoteHeard(seq, true);
  if (seq <= cursor_) return;
  if (seq == cursor_ + 1) {
    AdvanceTo(seq);
  } else if (ahead_.size() < options_.max_out_of_order) {
    ahead_.insert(seq);  // when full, known_max_ keeps the gap visible; a catch-up closes it
  }
}

void RevocationSyncImpl::AdvanceTo(std::int64_t seq) {
  cursor_ = std::max(cursor_, seq);
  while (!ahead_.empty() && *ahead_.begin() <= cursor_ + 1) {
    cursor_ = std::max(cursor_, *ahead_.begin());
    ahead_.erase(ahead_.begin());
  }
}

void RevocationSyncImpl::Verified(std::int64_t at_ns) {
  verified_at_ns_ = std::max(verified_at_ns_, at_ns);
}

void RevocationSyncImpl::Recompute() {
  // Polling has no connection to lose: the log read itself is what vouches for the view.
  const bool connected = polled() ? loaded_ : subscribed_ && resynced_;
  const bool trusted = connected && !MissingEntry();
  fresh_until_ns_.store(trusted ? verified_at_ns_ + bound_ns_ : 0, std::memory_order_release);
}

void RevocationSyncImpl::OnEntry(const RevocationEntry& entry) {
  Add(entries_);
  if (entry.seq <= 0) return;
  // A key revocation refuses every token signed with that key: one heard on the bus is only a
  // seq to read from the store, which applies it if (and only if) it is in the durable log.
  const bool apply = entry.kind != RevocationKind::kKey;
  // Applying before the gap is closed is safe: an entry only ever makes the view stricter. It
  // moves the contiguous cursor (freshness), never the durable one (what catch-ups skip).
  if (apply) view_->Apply(entry);
  bool gap = false;
  {
    std::lock_guard lock(mu_);
    const bool had_gap = Gap();
    if (apply) {
      NoteApplied(entry.seq);
    } else {
      NoteHeard(entry.seq, true);
    }
    gap = Gap();
    if (gap && !had_gap) Add(gaps_);
    Recompute();
  }
  if (on_new_) on_new_();
  if (gap) CatchUpOnGap();
}

void RevocationSyncImpl::OnHeartbeat(std::int64_t max_seq, std::int64_t sent_at_ms) {
  Add(heartbeats_);
  const std::int64_t now_ns = clock_->MonotonicNanos();
  // The view is current as of the heartbeat's send time, not its arrival: a heartbeat that sat
  // in a buffer (a stalled subscriber, a feed node whose own view is behind) vouches for that
  // earlier instant only. A clock behind the sender's gives a negative age, counted as none
  // (the NTP assumption of docs/scaling.md bounds that error).
  const std::int64_t age_ms = std::max<std::int64_t>(0, clock_->NowMillis() - sent_at_ms);
  const bool timely = age_ms <= options_.staleness_bound_ms;
  bool gap = false;
  {
    std::lock_guard lock(mu_);
    last_heartbeat_ms_ = std::max(last_heartbeat_ms_, sent_at_ms);
    const bool had_gap = Gap();
    NoteHeard(max_seq, false);
    if (timely && max_seq <= cursor_) Verified(now_ns - age_ms * kNanosPerMilli);
    gap = Gap();
    if (gap && !had_gap) Add(gaps_);
    Recompute();
  }
  if (gap) CatchUpOnGap();
}

void RevocationSyncImpl::OnConnected() {
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mu_);
    subscribed_ = true;
    resynced_ = false;
    epoch = ++epoch_;
    Recompute();
  }
  // Subscribed first, then read the log: whatever was lost while disconnected is in the log,
  // and whatever is committed from now on also arrives on the bus.
  auto caught_up = RunCatchUp(std::nullopt);
  std::lock_guard lock(mu_);
  if (caught_up.ok() && epoch == epoch_) resynced_ = true;
  Recompute();
}

void RevocationSyncImpl::OnDisconnected() {
  std::lock_guard lock(mu_);
  if (subscribed_) Add(disconnects_);
  subscribed_ = false;
  resynced_ = false;
  ++epoch_;
  Recompute();
}

void RevocationSyncImpl::ApplyLocal(const std::vector<RevocationEntry>& entries) {
  for (const RevocationEntry& entry : entries) view_->Apply(entry);
  std::unique_lock lock(mu_);
  const bool had_gap = Gap();
  for (const RevocationEntry& entry : entries) {
    if (entry.seq > 0) NoteApplied(entry.seq);
  }
  // A seq beyond the cursor means another process committed in between (the CLI, or a node
  // whose publish is still on the way): stale until it arrives or a catch-up (the poller, the
  // bus thread, or a request) reads it.
  if (Gap() && !had_gap) {
    Add(gaps_);
    wake_poller_ = true;
    poll_wake_.notify_all();
  }
  Recompute();
  lock.unlock();
  if (on_new_ && !entries.empty()) on_new_();
}

void RevocationSyncImpl::Start() {
  std::lock_guard lock(mu_);
  if (poller_.joinable() || stop_poller_) return;
  poller_ = std::thread([this] { Poll(); });
}

void RevocationSyncImpl::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_poller_ = true;
    poll_wake_.notify_all();
  }
  if (poller_.joinable()) poller_.join();
}

void RevocationSyncImpl::Poll() {
  const auto interval = std::chrono::milliseconds(options_.poll_interval_ms);
  std::unique_lock lock(mu_);
  while (!stop_poller_) {
    wake_poller_ = false;
    lock.unlock();
    (void)RunCatchUp(std::nullopt);  // the outcome is in the counters and Freshness
    lock.lock();
    poll_wake_.wait_for(lock, interval, [this] { return stop_poller_ || wake_poller_; });
  }
}

Result<void> RevocationSyncImpl::EnsureFresh() {
  const std::int64_t now_ns = clock_->MonotonicNanos();
  if (now_ns < fresh_until_ns_.load(std::memory_order_acquire)) return Ok();
  if (options_.stale_mode == StaleMode::kRefuse) {
    Add(stale_refusals_);
    return StaleError("revocation view is stale (stale_mode refuse)");
  }
  Add(stale_checks_);
  // The catch-up starts after this request arrived, so it sees every revocation committed
  // before the request: the answer is as current as the store.
  auto caught_up = RunCatchUp(now_ns + options_.check_timeout_ms * kNanosPerMilli);
  if (!caught_up.ok()) return StaleError("revocation view is stale and the store cannot be read");
  return Ok();
}

void RevocationSyncImpl::CatchUpOnGap() {
  {
    std::lock_guard lock(mu_);
    const std::int64_t retry_ns = options_.retry_after_failure_ms * kNanosPerMilli;
    if (!store_reachable_ && clock_->MonotonicNanos() - last_failure_ns_ < retry_ns) return;
  }
  (void)RunCatchUp(std::nullopt);  // the outcome is in the counters and Freshness
}

Result<void> RevocationSyncImpl::RunCatchUp(std::optional<std::int64_t> deadline_ns) {
  std::unique_lock lock(mu_);
  // A catch-up already running may have read the log before our caller's revocation: only one
  // started after now will do.
  const std::uint64_t needed = started_ + 1;
  for (;;) {
    if (finished_ >= needed) {
      if (last_error_) return *last_error_;
      return Ok();
    }
    if (!running_) break;
    if (!deadline_ns) {
      flight_done_.wait(lock);
    } else {
      const std::int64_t left_ns = *deadline_ns - clock_->MonotonicNanos();
      if (left_ns <= 0 || flight_done_.wait_for(lock, std::chrono::nanoseconds(left_ns)) ==
                              std::cv_status::timeout) {
        if (finished_ >= needed) continue;
        return StaleError("timed out waiting for a revocation catch-up");
      }
    }
  }
  running_ = true;
  const std::uint64_t id = ++started_;
  lock.unlock();
  Result<void> result = ReadLog();
  lock.lock();
  running_ = false;
  finished_ = id;
  last_error_.reset();
  if (!result.ok()) last_error_ = result.error();
  flight_done_.notify_all();
  return result;
}

// One catch-up: the store's max seq first, then every unexpired entry after the cursor. Once
// read to the end, everything up to that max is applied or expired, so the cursor moves past
// expired (swept) holes too.
Result<void> RevocationSyncImpl::ReadLog() {
  const std::int64_t start_ns = clock_->MonotonicNanos();
  const std::int64_t now = forget_.NowSeconds();  // jwtd/clock.h: steps cannot revive
  auto fail = [&](const Error& error) -> Result<void> {
    std::lock_guard lock(mu_);
    store_reachable_ = false;
    last_failure_ns_ = clock_->MonotonicNanos();
    Add(catch_up_failures_);
    Recompute();
    return Error(Code::kUnavailable, Reason::kStoreUnavailable,
                 "revocation catch-up: " + error.message());
  };
  std::int64_t after = 0;
  {
    std::lock_guard lock(mu_);
    // Read from what the store has returned, not from what the bus said was applied: a forged
    // or replayed entry must not make this read skip a real one (K1).
    after = durable_;
    heard_in_read_ = 0;
  }
  auto max_seq = log_->MaxRevocationSeq();
  if (!max_seq.ok()) return fail(max_seq.error());
  for (;;) {
    auto page = log_->ReadRevocations(after, now, options_.page_size);
    if (!page.ok()) return fail(page.error());
    for (const RevocationEntry& entry : *page) view_->Apply(entry);
    if (!page->empty()) after = page->back().seq;
    if (page->size() < options_.page_size) break;
  }
  view_->Expire(now);
  std::lock_guard lock(mu_);
  const std::int64_t confirmed = std::max(*max_seq, after);
  durable_ = std::max(durable_, confirmed);
  loaded_ = true;
  // Every real seq heard before this read began was committed before the store's max was read,
  // so a higher one heard then is not confirmed: capped (K2). Seqs heard during the read may be
  // newer commits and stay.
  known_max_ = std::max(confirmed, heard_in_read_);
  entry_max_ = std::min(entry_max_, known_max_);
  ahead_.erase(ahead_.upper_bound(known_max_), ahead_.end());
  // Likewise a contiguous cursor moved past both by entries the store does not have.
  cursor_ = std::min(cursor_, known_max_);
  AdvanceTo(confirmed);
  Verified(start_ns);
  store_reachable_ = true;
  Add(catch_ups_);
  Recompute();
  return Ok();
}

Freshness RevocationSyncImpl::freshness() const {
  const std::int64_t now_ns = clock_->MonotonicNanos();
  Freshness f;
  {
    std::lock_guard lock(mu_);
    const bool fresh = now_ns < fresh_until_ns_.load(std::memory_order_acquire);
    f.state = fresh ? SyncState::kInSync : running_ ? SyncState::kCatchingUp : SyncState::kStale;
    f.source = options_.source;
    f.stale_mode = options_.stale_mode;
    f.connected = polled() ? loaded_ : subscribed_ && resynced_;
    f.store_reachable = store_reachable_;
    f.applied_seq = cursor_;
    f.known_max_seq = known_max_;
    f.lag_ms = std::max<std::int64_t>(0, (now_ns - verified_at_ns_) / kNanosPerMilli);
    f.last_heartbeat_ms = last_heartbeat_ms_;
  }
  f.entries_received = Load(entries_);
  f.heartbeats_received = Load(heartbeats_);
  f.gaps = Load(gaps_);
  f.catch_ups = Load(catch_ups_);
  f.catch_up_failures = Load(catch_up_failures_);
  f.stale_checks = Load(stale_checks_);
  f.stale_refusals = Load(stale_refusals_);
  f.disconnects = Load(disconnects_);
  f.bus_rejected = Load(rejected_);
  return f;
}

}  // namespace

std::string_view SyncStateName(SyncState state) {
  switch (state) {
    case SyncState::kInSync:
      return "in_sync";
    case SyncState::kCatchingUp:
      return "catching_up";
    case SyncState::kStale:
      return "stale";
  }
  return "stale";
}

Result<std::unique_ptr<RevocationSync>> RevocationSync::Create(RevocationSyncOptions options,
                                                               RevocationLog* log,
                                                               RevocationView* view,
                                                               const Clock* clock) {
  if (log == nullptr || view == nullptr || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "revocation sync needs a revocation log, a view and a clock");
  }
  if (options.staleness_bound_ms <= 0 || options.check_timeout_ms <= 0 ||
      options.retry_after_failure_ms < 0 || options.page_size == 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "revocation sync: bound, timeout and page size must be > 0");
  }
  if (options.poll_interval_ms <= 0 || options.poll_interval_ms >= options.staleness_bound_ms) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "revocation sync: the poll interval must be > 0 and below the staleness bound");
  }
  return std::unique_ptr<RevocationSync>(
      std::make_unique<RevocationSyncImpl>(options, log, view, clock));
}

}  // namespace jwtd::auth
