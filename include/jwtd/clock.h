// jwtd::Clock — the only source of time for library and domain code (injected, like leveldb's
// Env), so tests can move time and no domain code reads the wall clock.
// Implementations must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace jwtd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (NumericDate, RFC 7519 §2).
  virtual std::int64_t NowSeconds() const = 0;
  // A monotonic reading in nanoseconds, for durations only.
  virtual std::int64_t MonotonicNanos() const = 0;
  // Milliseconds since the Unix epoch: for ages measured across processes (a heartbeat's send
  // time), where one-second resolution would cost a whole second of staleness bound.
  virtual std::int64_t NowMillis() const { return NowSeconds() * 1000; }
};

// The process's real clock. Never null; lives for the whole program.
const Clock* SystemClock();

// The time up to which expired revocation state (view entries, revocation-log rows) may be
// forgotten: the wall clock, but never ahead of the wall time at construction plus the monotonic
// time elapsed since. A forward step of the wall clock (NTP, an operator) then forgets nothing
// early, so a later step back cannot revive a revoked token whose exp lies ahead again; a step
// back only keeps entries longer. Thread-safe (immutable after construction).
class ForgetHorizon {
 public:
  explicit ForgetHorizon(const Clock* clock);  // `clock` must outlive this
  std::int64_t NowSeconds() const;

 private:
  const Clock* const clock_;
  const std::int64_t wall_at_start_;
  const std::int64_t mono_at_start_;
};

// A clock that tests set by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now_seconds) : now_(now_seconds) {}
  std::int64_t NowSeconds() const override { return now_.load(); }
  std::int64_t MonotonicNanos() const override { return now_.load() * 1'000'000'000; }
  void Set(std::int64_t now_seconds) { now_.store(now_seconds); }
  void Advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace jwtd
