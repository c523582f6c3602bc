// LoginLimiter — throttles password guessing: failed logins are counted per account and per
// client address (IPv6: per prefix) in fixed windows (LoginLimitOptions.window_seconds); once
// either counter reaches its limit, further attempts are refused until the window ends.
// Successful logins are never counted (many users behind one address log in freely) and clear
// the account's counter.
//
// Attempts being checked at once: an admitted attempt is "in flight" until it is resolved
// (RecordFailure / RecordSuccess / Withdraw). An attempt is admitted only while confirmed
// failures + attempts in flight stay below the limit, so concurrent guesses can never check more
// passwords than the limit allows; one that would pass it *waits* (up to max_wait_ms) for the
// attempts in flight to resolve instead of being refused, so concurrent correct logins of one
// account all succeed. Waiting is bounded per key (kMaxWaitersPerKey) as well as in time.
//
// Memory is bounded: each map holds at most `max_keys` keys; when full, stale windows are swept
// and, if still full, an arbitrary key is forgotten (an attacker flooding keys weakens the limit
// for one key at a time instead of growing memory or locking everyone out).
//
// Thread-safety: all methods are thread-safe (one mutex, short critical sections, no I/O).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "jwtd/auth/options.h"
#include "jwtd/clock.h"

namespace jwtd::auth {

// The key an address is counted under: an IPv4 address (also when IPv4-mapped) as it is, an
// IPv6 address as its first `ipv6_prefix` bits ("2001:db8:1:2::/64"); anything else unchanged.
std::string LimiterAddressKey(std::string_view address, int ipv6_prefix);

class LoginLimiter {
 public:
  static constexpr std::size_t kMaxWaitersPerKey = 64;

  // `clock` (the windows' time) must outlive the limiter.
  LoginLimiter(LoginLimitOptions options, const Clock* clock, std::size_t max_keys = 65536);

  // Seconds until an attempt for this account from this address may be made; 0: allowed now.
  // Counts confirmed failures only.
  std::int64_t RetryAfter(std::string_view account, std::string_view address) const;
  // 0: the attempt is admitted (in flight until resolved by exactly one of the calls below).
  // Otherwise the seconds to send in Retry-After: the limit is reached, or the attempts in
  // flight did not resolve within max_wait_ms.
  std::int64_t Admit(std::string_view account, std::string_view address);
  // The admitted attempt checked a wrong password (or an unknown user): one failure for both.
  void RecordFailure(std::string_view account, std::string_view address);
  // The admitted attempt succeeded: clears the account's counter.
  void RecordSuccess(std::string_view account, std::string_view address);
  // The admitted attempt checked no password (the store failed first): nothing counted.
  void Withdraw(std::string_view account, std::string_view address);

 private:
  struct Window {
    std::int64_t start = 0;  // window start, a multiple of window_seconds
    std::uint32_t failures = 0;
  };
  struct Key {
    std::string account;
    std::string address;
  };
  using Counters = std::unordered_map<std::string, Window>;
  using InFlight = std::unordered_map<std::string, std::uint32_t>;

  Key KeysOf(std::string_view account, std::string_view address) const;
  std::int64_t WindowStart(std::int64_t now) const;
  std::uint32_t Failures(const Counters& counters, const std::string& key, std::int64_t now) const;
  // Confirmed failures alone reach a limit: seconds until the window ends; else 0 (mu_ held).
  std::int64_t Blocked(const Key& key, std::int64_t now) const;
  // Failures + in flight below both limits (mu_ held).
  bool Room(const Key& key, std::int64_t now) const;
  void Count(Counters* counters, const std::string& key, std::int64_t now);
  // Takes one attempt of `key` out of flight and wakes the waiters (mu_ held).
  void Land(const Key& key);

  // Immutable after construction.
  const LoginLimitOptions options_;
  const Clock* const clock_;
  const std::size_t max_keys_;

  mutable std::mutex mu_;
  std::condition_variable landed_;  // an attempt in flight was resolved
  Counters by_account_;             // guarded by mu_
  Counters by_address_;             // guarded by mu_
  InFlight account_flight_;         // guarded by mu_; entries only while > 0
  InFlight address_flight_;         // guarded by mu_; entries only while > 0
  InFlight waiters_;                // guarded by mu_; attempts waiting, per account key
};

}  // namespace jwtd::auth
