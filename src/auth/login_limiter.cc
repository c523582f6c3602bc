#include "login_limiter.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace jwtd::auth {

LoginLimiter::LoginLimiter(LoginLimitOptions options, const Clock* clock, std::size_t max_keys)
    : options_(options), clock_(clock), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

std::int64_t LoginLimiter::WindowStart(std::int64_t now) const {
  const std::int64_t w = options_.window_seconds;
  const std::int64_t rem = now % w;
  return now - (rem < 0 ? rem + w : rem);
}

std::int64_t LoginLimiter::Blocked(const Counters& counters, std::string_view key,
                                   std::uint32_t limit, std::int64_t now) const {
  auto it = counters.find(std::string(key));
  if (it == counters.end() || it->second.start != WindowStart(now)) return 0;
  if (it->second.failures < limit) return 0;
  return it->second.start + options_.window_seconds - now;
}

std::int64_t LoginLimiter::RetryAfter(std::string_view account, std::string_view address) const {
  const std::int64_t now = clock_->NowSeconds();
  std::lock_guard lock(mu_);
  return WaitLocked(account, address, now);
}

std::int64_t LoginLimiter::WaitLocked(std::string_view account, std::string_view address,
                                      std::int64_t now) const {
  return std::max(Blocked(by_account_, account, options_.max_failures_per_account, now),
                  Blocked(by_address_, address, options_.max_failures_per_address, now));
}

void LoginLimiter::Count(Counters* counters, std::string_view key, std::int64_t now) {
  const std::int64_t start = WindowStart(now);
  auto it = counters->find(std::string(key));
  if (it == counters->end()) {
    if (counters->size() >= max_keys_) {
      std::erase_if(*counters, [start](const auto& kv) { return kv.second.start != start; });
    }
    if (counters->size() >= max_keys_) counters->erase(counters->begin());
    it = counters->emplace(std::string(key), Window{start, 0}).first;
  }
  if (it->second.start != start) it->second = Window{start, 0};
  ++it->second.failures;
}

std::int64_t LoginLimiter::Admit(std::string_view account, std::string_view address) {
  const std::int64_t now = clock_->NowSeconds();
  std::lock_guard lock(mu_);
  // Check and count under one lock: concurrent attempts see each other.
  if (std::int64_t wait = WaitLocked(account, address, now); wait > 0) return wait;
  Count(&by_account_, account, now);
  Count(&by_address_, address, now);
  return 0;
}

void LoginLimiter::RecordSuccess(std::string_view account, std::string_view address) {
  const std::int64_t start = WindowStart(clock_->NowSeconds());
  std::lock_guard lock(mu_);
  by_account_.erase(std::string(account));
  // Take back the admitted attempt, if it is still in this window's count.
  auto it = by_address_.find(std::string(address));
  if (it != by_address_.end() && it->second.start == start && it->second.failures > 0) {
    --it->second.failures;
  }
}

void LoginLimiter::Withdraw(std::string_view account, std::string_view address) {
  const std::int64_t start = WindowStart(clock_->NowSeconds());
  std::lock_guard lock(mu_);
  for (auto [counters, key] :
       {std::pair{&by_account_, account}, std::pair{&by_address_, address}}) {
    auto it = counters->find(std::string(key));
    if (it != counters->end() && it->second.start == start && it->second.failures > 0) {
      --it->second.failures;
    }
  }
}

}  // namespace jwtd::auth
