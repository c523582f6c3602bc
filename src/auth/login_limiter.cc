#include "login_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iterator>
#include <string>

namespace jwtd::auth {
namespace {

std::uint32_t InFlightOf(const std::unordered_map<std::string, std::uint32_t>& map,
                         const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? 0 : it->second;
}

void Decrement(std::unordered_map<std::string, std::uint32_t>& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return;
  if (--it->second == 0) map.erase(it);
}

}  // namespace

std::string LimiterAddressKey(std::string_view address, int ipv6_prefix) {
  if (address.size() >= INET6_ADDRSTRLEN) return std::string(address);
  const std::string text(address);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;  // IPv4, or not an address
  unsigned char* b = v6.s6_addr;
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket: count it as that address.
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, sizeof(kMapped)) == 0) {
    char v4[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, b + 12, v4, sizeof(v4));
    return v4;
  }
  const int prefix = std::clamp(ipv6_prefix, 0, 128);
  for (int bit = prefix; bit < 128; ++bit) {
    b[bit / 8] = static_cast<unsigned char>(b[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  char out[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &v6, out, sizeof(out));
  return std::string(out) + "/" + std::to_string(prefix);
}

LoginLimiter::LoginLimiter(LoginLimitOptions options, const Clock* clock, std::size_t max_keys)
    : options_(options), clock_(clock), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

LoginLimiter::Key LoginLimiter::KeysOf(std::string_view account, std::string_view address) const {
  return {std::string(account), LimiterAddressKey(address, options_.ipv6_prefix)};
}

std::int64_t LoginLimiter::WindowStart(std::int64_t now) const {
  const std::int64_t w = options_.window_seconds;
  const std::int64_t rem = now % w;
  return now - (rem < 0 ? rem + w : rem);
}

std::uint32_t LoginLimiter::Failures(const Counters& counters, const std::string& key,
                                     std::int64_t now) const {
  auto it = counters.find(key);
  if (it == counters.end() || it->second.start != WindowStart(now)) return 0;
  return it->second.failures;
}

std::int64_t LoginLimiter::Blocked(const Key& key, std::int64_t now) const {
  const bool blocked =
      Failures(by_account_, key.account, now) >= options_.max_failures_per_account ||
      Failures(by_address_, key.address, now) >= options_.max_failures_per_address;
  return blocked ? WindowStart(now) + options_.window_seconds - now : 0;
}

bool LoginLimiter::Room(const Key& key, std::int64_t now) const {
  return Failures(by_account_, key.account, now) + InFlightOf(account_flight_, key.account) <
             options_.max_failures_per_account &&
         Failures(by_address_, key.address, now) + InFlightOf(address_flight_, key.address) <
             options_.max_failures_per_address;
}

std::int64_t LoginLimiter::RetryAfter(std::string_view account, std::string_view address) const {
  const Key key = KeysOf(account, address);
  const std::int64_t now = clock_->NowSeconds();
  std::lock_guard lock(mu_);
  return Blocked(key, now);
}

std::int64_t LoginLimiter::Admit(std::string_view account, std::string_view address) {
  const Key key = KeysOf(account, address);
  std::unique_lock lock(mu_);
  if (std::int64_t wait = Blocked(key, clock_->NowSeconds()); wait > 0) return wait;
  if (!Room(key, clock_->NowSeconds())) {
    // Attempts in flight hold the rest of the allowance: wait for their outcome (a success
    // gives it back) rather than refuse what may be a correct password.
    if (InFlightOf(waiters_, key.account) >= kMaxWaitersPerKey) return 1;
    ++waiters_[key.account];
    const bool room = landed_.wait_for(lock, std::chrono::milliseconds(options_.max_wait_ms), [&] {
      return Blocked(key, clock_->NowSeconds()) > 0 || Room(key, clock_->NowSeconds());
    });
    Decrement(waiters_, key.account);
    if (std::int64_t wait = Blocked(key, clock_->NowSeconds()); wait > 0) return wait;
    if (!room) return 1;  // still undecided: try again in a second
  }
  ++account_flight_[key.account];
  ++address_flight_[key.address];
  return 0;
}

void LoginLimiter::Land(const Key& key) {
  Decrement(account_flight_, key.account);
  Decrement(address_flight_, key.address);
  landed_.notify_all();
}

void LoginLimiter::Count(Counters* counters, const std::string& key, std::int64_t now) {
  const std::int64_t start = WindowStart(now);
  auto it = counters->find(key);
  if (it == counters->end()) {
    if (counters->size() >= max_keys_) {
      std::erase_if(*counters, [start](const auto& kv) { return kv.second.start != start; });
    }
    if (counters->size() >= max_keys_) counters->erase(counters->begin());
    it = counters->emplace(key, Window{start, 0}).first;
  }
  if (it->second.start != start) it->second = Window{start, 0};
  ++it->second.failures;
}

void LoginLimiter::RecordFailure(std::string_view account, std::string_view address) {
  const Key key = KeysOf(account, address);
  const std::int64_t now = clock_->NowSeconds();
  std::lock_guard lock(mu_);
  Count(&by_account_, key.account, now);
  Count(&by_address_, key.address, now);
  Land(key);
}

void LoginLimiter::RecordSuccess(std::string_view account, std::string_view address) {
  const Key key = KeysOf(account, address);
  std::lock_guard lock(mu_);
  by_account_.erase(key.account);
  Land(key);
}

void LoginLimiter::Withdraw(std::string_view account, std::string_view address) {
  const Key key = KeysOf(account, address);
  std::lock_guard lock(mu_);
  Land(key);
}

}  // namespace jwtd::auth
