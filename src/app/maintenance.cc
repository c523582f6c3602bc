#include "app/maintenance.h"

#include <spdlog/spdlog.h>

#include "jwtd/clock.h"

namespace jwtd::app {
namespace {

// Key changes made by `jwtd keys` in another process are picked up within this; each tick is a
// stat of the key directory when nothing changed.
constexpr auto kTickInterval = std::chrono::milliseconds(200);
// Ended sessions stay listed (and audit-visible) this long before the sweep deletes them.
constexpr std::int64_t kRetainEndedSessions = 7 * 24 * 3600;
// Delivered security events stay an hour (an operator looking into a delivery still finds
// them); far longer than the outbox's settle bound (app/ssf_pusher.cc).
constexpr std::int64_t kRetainDeliveredEvents = 3600;
// Sealed grace successors are kept this long past the window, so a node whose clock runs a
// little behind still finds the successor its grace check accepts (no false reuse).
constexpr std::int64_t kSuccessorForgetMargin = 60;

void LogFailure(const char* step, const Error& error) {
  spdlog::warn("maintenance: {} failed: {} [{}]", step, error.message(),
               ReasonName(error.reason()));
}

// Logs a sweep step's outcome. False when the store is unavailable: the steps after it would
// only fail (and log) the same way.
bool Reported(const char* step, const Result<std::int64_t>& outcome, const char* what) {
  if (outcome.ok()) {
    if (*outcome > 0) spdlog::debug("sweep: {} {}", *outcome, what);
    return true;
  }
  LogFailure(step, outcome.error());
  return outcome.error().code() != Code::kUnavailable;
}

}  // namespace

Maintenance::Maintenance(const Config& config, Runtime& runtime)
    : config_(config), runtime_(runtime), thread_([this] { Run(); }) {}

Maintenance::~Maintenance() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void Maintenance::Stop() {
  std::lock_guard lock(mu_);
  stop_ = true;
  wake_.notify_all();
}

void Maintenance::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Tick(SystemClock()->NowSeconds());
    lock.lock();
    wake_.wait_for(lock, kTickInterval, [this] { return stop_; });
  }
}

void Maintenance::Tick(std::int64_t now) {
  // The revocation log is followed by the sync's own poller (app/bus_wiring.h), not here: a
  // long sweep must not delay it.
  if (auto reloaded = runtime_.keys->Reload(); !reloaded.ok()) {
    LogFailure("key reload", reloaded.error());
  }
  if (auto ticked = runtime_.keys->Tick(); !ticked.ok()) {
    LogFailure("key rotation", ticked.error());
  } else if (*ticked) {
    spdlog::info("keys: rotation step applied");
  }
  // A verifier writes nothing: the full nodes of its store sweep it.
  if (now >= next_sweep_ && config_.role == http::ServerRole::kFull) {
    next_sweep_ = now + config_.sweep_interval_seconds;
    Sweep();
  }
}

void Maintenance::Sweep() {
  auth::Store& store = *runtime_.store;
  // A store that cannot write (unreachable, or poisoned by a failed fsync, which it logged once
  // itself) is what /readyz reports; sweeping it would add warnings every interval.
  if (auto ready = store.Ping(); !ready.ok()) {
    spdlog::debug("sweep skipped: {}", ready.error().message());
    return;
  }
  // Up to the forget horizon, not the wall clock: rows swept while the clock is stepped ahead
  // would let a revoked token back in once it steps back (jwtd/clock.h).
  static const ForgetHorizon horizon(SystemClock());
  const std::int64_t forget_now = horizon.NowSeconds();
  if (!Reported("sweep", store.SweepExpired(forget_now, kRetainEndedSessions),
                "expired rows deleted")) {
    return;
  }
  // A sealed successor outliving its grace window is only a liability: with a database copy,
  // an old spent token of an idle session opens that session's current refresh token.
  const std::int64_t closed =
      forget_now - config_.auth.refresh_grace_seconds - kSuccessorForgetMargin;
  if (!Reported("successor forget", store.ForgetSealedSuccessors(closed),
                "sealed successors forgotten")) {
    return;
  }
  // The SSF outbox: events every stream has acknowledged (or that no stream will ever read).
  if (!Reported("outbox sweep", store.SweepDeliveredEvents(forget_now - kRetainDeliveredEvents),
                "delivered security events deleted")) {
    return;
  }
  if (config_.audit_retention_seconds == 0) return;  // audit.retention = 0: kept forever
  (void)Reported("audit sweep", store.SweepAudit(forget_now - config_.audit_retention_seconds),
                 "audit rows past audit.retention deleted");
}

}  // namespace jwtd::app
