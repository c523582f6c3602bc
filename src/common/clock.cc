#include "jwtd/clock.h"

namespace jwtd {
namespace {

class RealClock final : public Clock {
 public:
  std::int64_t NowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
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

const Clock* SystemClock() {
  static const RealClock clock;
  return &clock;
}

}  // namespace jwtd
