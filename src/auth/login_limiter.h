// LoginLimiter — throttles password guessing: failed logins are counted per account and per
// client address in fixed windows (LoginLimitOptions.window_seconds); once either counter reaches
// its limit, further attempts are refused until the window ends. Successful logins are never
// counted (many users behind one address log in freely) and clear the account's counter.
//
// An attempt is counted as a failure when it is admitted, before its password is checked, and
// un-counted if it succeeds: attempts sent at once cannot all pass the check while the slow
// Argon2id verifies of the earlier ones are still running.
//
// Memory is bounded: each map holds at most `max_keys` keys; when full, stale windows are swept
// and, if still full, an arbitrary key is forgotten (an attacker flooding keys weakens the limit
// for one key at a time instead of growing memory or locking everyone out).
//
// Thread-safety: all methods are thread-safe (one mutex, short critical sections, no I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "jwtd/auth/options.h"
#include "jwtd/clock.h"

namespace jwtd::auth {

class LoginLimiter {
 public:
  // `clock` must outlive the limiter.
  LoginLimiter(LoginLimitOptions options, const Clock* clock, std::size_t max_keys = 65536);

  // Seconds until an attempt for this account from this address may be made; 0: allowed now.
  std::int64_t RetryAfter(std::string_view account, std::string_view address) const;
  // RetryAfter, and if 0 the attempt is admitted and counted as a failure until RecordSuccess.
  std::int64_t Admit(std::string_view account, std::string_view address);
  // The admitted attempt succeeded: clears the account's counter and takes the attempt back
  // from the address's.
  void RecordSuccess(std::string_view account, std::string_view address);
  // The admitted attempt checked no password (the store failed first): takes it back from both
  // counters, so a store outage does not lock every user out for a window.
  void Withdraw(std::string_view account, std::string_view address);

 private:
  struct Window {
    std::int64_t start = 0;  // window start, a multiple of window_seconds
    std::uint32_t failures = 0;
  };
  using Counters = std::unordered_map<std::string, Window>;

  std::int64_t WindowStart(std::int64_t now) const;
  std::int64_t WaitLocked(std::string_view account, std::string_view address,
                          std::int64_t now) const;  // mu_ held
  std::int64_t Blocked(const Counters& counters, std::string_view key, std::uint32_t limit,
                       std::int64_t now) const;
  void Count(Counters* counters, std::string_view key, std::int64_t now);

  // Immutable after construction.
  const LoginLimitOptions options_;
  const Clock* const clock_;
  const std::size_t max_keys_;

  mutable std::mutex mu_;
  Counters by_account_;  // guarded by mu_
  Counters by_address_;  // guarded by mu_
};

}  // namespace jwtd::auth
