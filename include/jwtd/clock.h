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
};

// The process's real clock. Never null; lives for the whole program.
const Clock* SystemClock();

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
