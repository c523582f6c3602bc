#include "jwtd/clock.h"

#include <algorithm>

namespace jwtd {
namespace {

class RealClock final : public Clock {
 public:
  std::int64_t NowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t MonotonicNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

ForgetHorizon::ForgetHorizon(const Clock* clock)
    : clock_(clock), wall_at_start_(clock->NowSeconds()), mono_at_start_(clock->MonotonicNanos()) {}

std::int64_t ForgetHorizon::NowSeconds() const {
  const std::int64_t elapsed = (clock_->MonotonicNanos() - mono_at_start_) / 1'000'000'000;
  return std::min(clock_->NowSeconds(), wall_at_start_ + elapsed);
}

const Clock* SystemClock() {
  static const RealClock clock;
  return &clock;
}

}  // namespace jwtd
