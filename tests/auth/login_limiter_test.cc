// LoginLimiter: fixed windows per account and per address, bounded memory, and Argon2id hashes.
#include "auth/login_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "auth/password_hasher.h"
#include "jwtd/clock.h"

namespace jwtd::auth {
namespace {

// prefix + i (a helper: GCC 12 warns falsely on `"a" + std::to_string(i)` at -O3).
std::string Key(const char* prefix, int i) {
  std::string key(prefix);
  key += std::to_string(i);
  return key;
}

LoginLimitOptions Limits() {
  LoginLimitOptions o;
  o.max_failures_per_account = 3;
  o.max_failures_per_address = 5;
  o.window_seconds = 100;
  return o;
}

// One failed attempt: admitted, then resolved as a failure.
void Fail(LoginLimiter& limiter, const std::string& account, const std::string& address) {
  ASSERT_EQ(limiter.Admit(account, address), 0);
  limiter.RecordFailure(account, address);
}

TEST(LoginLimiterTest, AccountLimitHoldsUntilTheWindowEnds) {
  ManualClock clock(1'000'050);  // 50 s into a window
  LoginLimiter limiter(Limits(), &clock);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 0);
    Fail(limiter, "alice", "a1");
  }
  EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 50);
  EXPECT_EQ(limiter.Admit("alice", "a2"), 50);  // the account, from anywhere
  EXPECT_EQ(limiter.RetryAfter("bob", "a1"), 0);
  clock.Advance(49);
  EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 1);
  clock.Advance(1);
  EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 0);  // a new window
}

TEST(LoginLimiterTest, AddressLimitSpansAccounts) {
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  for (int i = 0; i < 5; ++i) Fail(limiter, Key("user", i), "a1");
  EXPECT_EQ(limiter.RetryAfter("someone", "a1"), 100);
  EXPECT_EQ(limiter.RetryAfter("someone", "a2"), 0);
}

TEST(LoginLimiterTest, SuccessClearsTheAccountButNotTheAddress) {
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  Fail(limiter, "alice", "a1");
  Fail(limiter, "alice", "a1");
  ASSERT_EQ(limiter.Admit("alice", "a1"), 0);
  limiter.RecordSuccess("alice", "a1");  // the account starts over; the address keeps 2
  Fail(limiter, "alice", "a1");
  Fail(limiter, "alice", "a1");
  EXPECT_EQ(limiter.RetryAfter("alice", "a9"), 0);  // 2 since the success, limit 3
  Fail(limiter, "u1", "a1");
  EXPECT_GT(limiter.RetryAfter("bob", "a1"), 0);  // the address has 5 failures now
}

TEST(LoginLimiterTest, SuccessfulLoginsFromOneAddressNeverAddUp) {
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  for (int i = 0; i < 50; ++i) {
    const std::string user = Key("user", i);
    ASSERT_EQ(limiter.Admit(user, "nat"), 0) << i;
    limiter.RecordSuccess(user, "nat");
  }
}

// Attempts sent at once: `threads` of them, each admitted one holding its slot for `hold`
// (an Argon2id verify) and then resolved by `resolve`. Returns how many were admitted.
int RunConcurrently(LoginLimiter& limiter, int threads, std::chrono::milliseconds hold,
                    const std::function<void(LoginLimiter&, const std::string&)>& resolve) {
  std::atomic<int> admitted{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&, i] {
      const std::string address = Key("addr", i);
      if (limiter.Admit("alice", address) != 0) return;
      ++admitted;
      std::this_thread::sleep_for(hold);
      resolve(limiter, address);
    });
  }
  for (auto& t : pool) t.join();
  return admitted;
}

TEST(LoginLimiterTest, ConcurrentWrongGuessesNeverExceedTheLimit) {
  // Attempts admitted but not yet decided already hold their share of the allowance: 30
  // guesses at once check at most 3 passwords (the account limit), the rest get 429.
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  const int admitted =
      RunConcurrently(limiter, 30, std::chrono::milliseconds(20),
                      [](LoginLimiter& l, const std::string& a) { l.RecordFailure("alice", a); });
  EXPECT_EQ(admitted, 3);
  EXPECT_GT(limiter.RetryAfter("alice", "elsewhere"), 0);
}

TEST(LoginLimiterTest, ConcurrentCorrectLoginsAllSucceed) {
  // 20 correct logins of one account at once (a user's devices, a load test): the ones past the
  // allowance wait for the attempts in flight and are admitted as those succeed.
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  const int admitted =
      RunConcurrently(limiter, 20, std::chrono::milliseconds(20),
                      [](LoginLimiter& l, const std::string& a) { l.RecordSuccess("alice", a); });
  EXPECT_EQ(admitted, 20);
}

TEST(LoginLimiterTest, WaitingForUndecidedAttemptsIsBounded) {
  ManualClock clock(1'000'000);
  LoginLimitOptions o = Limits();
  o.max_wait_ms = 50;
  LoginLimiter limiter(o, &clock);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(limiter.Admit("alice", Key("addr", i)), 0);  // pending
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(limiter.Admit("alice", "late"), 1);  // retry in a second, not an endless wait
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  limiter.Withdraw("alice", "addr0");  // a store failure: nothing counted
  EXPECT_EQ(limiter.Admit("alice", "late"), 0);
  EXPECT_EQ(limiter.RetryAfter("alice", "late"), 0);
}

TEST(LoginLimiterTest, MemoryIsBounded) {
  ManualClock clock(1'000'000);
  LoginLimitOptions o = Limits();
  o.max_failures_per_account = 1;
  LoginLimiter limiter(o, &clock, /*max_keys=*/4);
  for (int i = 0; i < 1000; ++i) Fail(limiter, Key("user", i), Key("addr", i));
  int limited = 0;
  for (int i = 0; i < 1000; ++i) limited += limiter.RetryAfter(Key("user", i), "b") > 0;
  EXPECT_LE(limited, 4);
  EXPECT_GE(limited, 1);
}

TEST(LoginLimiterTest, Ipv6ClientsAreCountedPerPrefix) {
  EXPECT_EQ(LimiterAddressKey("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
  EXPECT_EQ(LimiterAddressKey("2001:db8:1:2:ffff:ffff:ffff:ffff", 64), "2001:db8:1:2::/64");
  EXPECT_EQ(LimiterAddressKey("2001:db8:1:3::1", 64), "2001:db8:1:3::/64");
  EXPECT_EQ(LimiterAddressKey("2001:db8:1:2::1", 48), "2001:db8:1::/48");
  EXPECT_EQ(LimiterAddressKey("::ffff:192.0.2.7", 64), "192.0.2.7");  // IPv4-mapped
  EXPECT_EQ(LimiterAddressKey("192.0.2.7", 64), "192.0.2.7");
  EXPECT_EQ(LimiterAddressKey("not an address", 64), "not an address");

  // Rotating addresses inside one /64 does not escape the per-address limit.
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  for (int i = 0; i < 5; ++i) {
    Fail(limiter, Key("user", i), "2001:db8:1:2::" + std::to_string(i + 1));
  }
  EXPECT_GT(limiter.RetryAfter("victim", "2001:db8:1:2:dead:beef:0:1"), 0);
  EXPECT_EQ(limiter.RetryAfter("victim", "2001:db8:1:3::1"), 0);  // the next /64 is another
}

TEST(PasswordHasherTest, HashesVerifyAndDummyNeverMatches) {
  PasswordOptions o;
  o.ops_limit = 1;
  o.mem_limit_bytes = 8192;
  auto hasher = PasswordHasher::Create(o);
  ASSERT_TRUE(hasher.ok());
  auto hash = (*hasher)->Hash("s3cret passphrase");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE((*hasher)->Verify(*hash, "s3cret passphrase"));
  EXPECT_FALSE((*hasher)->Verify(*hash, "s3cret passphrasE"));
  EXPECT_FALSE((*hasher)->Verify("", "s3cret passphrase"));
  EXPECT_FALSE((*hasher)->Verify("$argon2id$garbage", "s3cret passphrase"));
  EXPECT_FALSE((*hasher)->VerifyDummy("s3cret passphrase"));
  auto again = (*hasher)->Hash("s3cret passphrase");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*hash, *again);  // salted
}

TEST(PasswordHasherTest, CostsBelowTheMinimumAreRefused) {
  PasswordOptions o;
  o.ops_limit = 1;
  o.mem_limit_bytes = 1024;
  auto hasher = PasswordHasher::Create(o);
  ASSERT_FALSE(hasher.ok());
  EXPECT_EQ(hasher.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace jwtd::auth
