// LoginLimiter: fixed windows per account and per address, bounded memory, and Argon2id hashes.
#include "auth/login_limiter.h"

#include <gtest/gtest.h>

#include <string>

#include "auth/password_hasher.h"
#include "jwtd/clock.h"

namespace jwtd::auth {
namespace {

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
    limiter.RecordFailure("alice", "a1");
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
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("user" + std::to_string(i), "a1");
  EXPECT_EQ(limiter.RetryAfter("someone", "a1"), 100);
  EXPECT_EQ(limiter.RetryAfter("someone", "a2"), 0);
}

TEST(LoginLimiterTest, SuccessClearsTheAccountCounterOnly) {
  ManualClock clock(1'000'000);
  LoginLimiter limiter(Limits(), &clock);
  limiter.RecordFailure("alice", "a1");
  limiter.RecordFailure("alice", "a1");
  limiter.RecordSuccess("alice");
  limiter.RecordFailure("alice", "a1");
  limiter.RecordFailure("alice", "a1");
  EXPECT_EQ(limiter.RetryAfter("alice", "a9"), 0);  // 2 since the success, limit 3
  limiter.RecordFailure("alice", "a1");             // the address has 5 now
  EXPECT_GT(limiter.RetryAfter("bob", "a1"), 0);
}

TEST(LoginLimiterTest, MemoryIsBounded) {
  ManualClock clock(1'000'000);
  LoginLimitOptions o = Limits();
  o.max_failures_per_account = 1;
  LoginLimiter limiter(o, &clock, /*max_keys=*/4);
  for (int i = 0; i < 1000; ++i) limiter.RecordFailure("user" + std::to_string(i), "a1");
  int limited = 0;
  for (int i = 0; i < 1000; ++i) limited += limiter.RetryAfter("user" + std::to_string(i), "b") > 0;
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
