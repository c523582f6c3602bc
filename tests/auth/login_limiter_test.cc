// LoginLimiter: fixed windows per account and per address, bounded memory, and Argon2id hashes.
#include "auth/login_limiter.h"

#include <gtest/gtest.h>

#include <string>

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

TEST(LoginLimiterTest, AccountLimitHoldsUntilTheWindowEnds) {
  ManualClock clock(1'000'050);  // 50 s into a window
  LoginLimiter limiter(Limits(), &clock);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 0);
    EXPECT_EQ(limiter.Admit("alice", "a1"), 0);  // admitted, counted until it succeeds
  }
  EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 50);
  EXPECT_EQ(limiter.RetryAfter("alice", "a2"), 50);  // the account, from anywhere
  EXPECT_EQ(limiter.RetryAfter("bob", "a1"), 0);
  clock.Advance(49);
  EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 1);
  clock.Advance(1);
  EXPECT_EQ(limiter.RetryAfter("alice", "a1"), 0);  // a new window
}

TEST(LoginLimiterTest, AddressLimitSpansAccounts) {
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  for (int i = 0; i < 5; ++i) limiter.Admit(Key("user", i), "a1");
  EXPECT_EQ(limiter.RetryAfter("someone", "a1"), 100);
  EXPECT_EQ(limiter.RetryAfter("someone", "a2"), 0);
}

TEST(LoginLimiterTest, SuccessClearsTheAccountAndTakesBackOnlyItsOwnAttempt) {
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  EXPECT_EQ(limiter.Admit("alice", "a1"), 0);  // fails
  EXPECT_EQ(limiter.Admit("alice", "a1"), 0);  // succeeds:
  limiter.RecordSuccess("alice", "a1");        // account cleared, address back to 1
  EXPECT_EQ(limiter.Admit("alice", "a1"), 0);
  EXPECT_EQ(limiter.Admit("alice", "a1"), 0);
  EXPECT_EQ(limiter.RetryAfter("alice", "a9"), 0);  // 2 since the success, limit 3
  for (int i = 0; i < 2; ++i) EXPECT_EQ(limiter.Admit(Key("u", i), "a1"), 0);
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

TEST(LoginLimiterTest, ConcurrentAttemptsCannotAllPassTheCheck) {
  // Attempts admitted but not yet decided (their Argon2id verify still running) already count.
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  int admitted = 0;
  for (int i = 0; i < 30; ++i) admitted += limiter.Admit("alice", Key("addr", i)) == 0;
  EXPECT_EQ(admitted, 3);  // the account limit
}

TEST(LoginLimiterTest, MemoryIsBounded) {
  ManualClock clock(1'000'000);
  LoginLimitOptions o = Limits();
  o.max_failures_per_account = 1;
  LoginLimiter limiter(o, &clock, /*max_keys=*/4);
  for (int i = 0; i < 1000; ++i) {
    limiter.Admit(Key("user", i), Key("addr", i));
  }
  int limited = 0;
  for (int i = 0; i < 1000; ++i) limited += limiter.RetryAfter(Key("user", i), "b") > 0;
  EXPECT_LE(limited, 4);
  EXPECT_GE(limited, 1);
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
