// Register and Login against the real SQLite store: credentials policy, identical failures for
// unknown users and wrong passwords, the token format, and failed-login throttling.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "token_service_fixture.h"

namespace jwtd::auth::testing {
namespace {

using LoginTest = TokenServiceTest;

TEST_F(LoginTest, RegisteredUserLogsInWithRfc9068AccessToken) {
  Start();
  User alice = Register("alice");
  EXPECT_GT(alice.id, 0);
  EXPECT_EQ(alice.username, "alice");
  EXPECT_TRUE(alice.password_hash.empty());  // never handed out

  auto tokens = service_->Login("alice", kPassword, "read write", Client());
  ASSERT_TRUE(tokens.ok()) << tokens.error().message();
  EXPECT_EQ(tokens->expires_in, options_.access_ttl_seconds);
  EXPECT_EQ(tokens->refresh_expires_in, options_.refresh_ttl_seconds);
  EXPECT_EQ(tokens->scope, "read write");
  EXPECT_GE(tokens->refresh_token.size(), 43u);  // >= 256 bits, base64url
  EXPECT_EQ(std::count(tokens->refresh_token.begin(), tokens->refresh_token.end(), '.'), 0);

  Principal p = Auth(tokens->access_token);
  EXPECT_EQ(p.user_id, alice.id);
  EXPECT_EQ(p.sid, tokens->session_id);
  EXPECT_EQ(p.ver, 1);
  EXPECT_EQ(p.scope, "read write");
  EXPECT_EQ(p.exp, kT0 + options_.access_ttl_seconds);

  auto claims = keys_->verifier()->Verify(tokens->access_token);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->typ(), "at+jwt");
  EXPECT_EQ(claims->iss(), "https://issuer.test");
  EXPECT_EQ(claims->sub(), std::to_string(alice.id));
  EXPECT_EQ(claims->aud(), std::vector<std::string>{"jwtd"});
  EXPECT_EQ(claims->iat(), kT0);
  EXPECT_EQ(claims->nbf(), kT0);
  EXPECT_GE(claims->jti().size(), 22u);  // >= 128 bits
  EXPECT_TRUE(claims->Has("client_id"));

  auto audit = Audit("login_succeeded");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].user_id, alice.id);
  EXPECT_EQ(audit[0].session_id, tokens->session_id);
  EXPECT_EQ(audit[0].client_ip, "192.0.2.1");
}

TEST_F(LoginTest, EveryLoginIsItsOwnSessionWithUniqueIds) {
  Start();
  Register("alice");
  TokenResponse a = Login("alice"), b = Login("alice");
  EXPECT_NE(a.session_id, b.session_id);
  EXPECT_NE(Auth(a.access_token).jti, Auth(b.access_token).jti);
  EXPECT_NE(a.refresh_token, b.refresh_token);
}

TEST_F(LoginTest, RegisterRefusesTakenNamesAndBadInput) {
  Start();
  Register("alice");
  auto again = service_->Register("alice", kPassword, Client());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), Code::kAlreadyExists);

  for (std::string bad :
       {std::string(), std::string(65, 'a'), std::string("has space"), std::string("tab\there"),
        std::string("caf\xc3\xa9"), std::string("nul\0x", 5)}) {
    auto r = service_->Register(bad, kPassword, Client());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(service_->Register(std::string(64, 'a'), kPassword, Client()).ok());
  auto short_password = service_->Register("bob", "1234567", Client());
  ASSERT_FALSE(short_password.ok());
  EXPECT_EQ(short_password.error().code(), Code::kInvalidArgument);
  auto long_password = service_->Register("bob", std::string(1025, 'p'), Client());
  EXPECT_EQ(ReasonOf(long_password), Reason::kBadRequest);
}

TEST_F(LoginTest, RegistrationCanBeDisabled) {
  options_.allow_registration = false;
  Start();
  auto r = service_->Register("alice", kPassword, Client());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kPermissionDenied);
}

TEST_F(LoginTest, UnknownUserAndWrongPasswordFailIdentically) {
  Start();
  Register("alice");
  auto wrong = service_->Login("alice", "not the password", "", Client());
  auto unknown = service_->Login("mallory", "not the password", "", Client());
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(wrong.error().code(), unknown.error().code());
  EXPECT_EQ(wrong.error().reason(), Reason::kBadCredentials);
  EXPECT_EQ(wrong.error().reason(), unknown.error().reason());
  EXPECT_EQ(wrong.error().message(), unknown.error().message());

  // The audit trail (operators only) tells them apart; neither row records the typed name.
  auto audit = Audit("login_failed");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].reason, "unknown_user");
  EXPECT_FALSE(audit[0].user_id.has_value());
  EXPECT_EQ(audit[1].reason, "bad_password");
  EXPECT_TRUE(audit[1].user_id.has_value());
}

// An unknown user must cost an Argon2id verify too. With a cost far above the store round trip,
// skipping the dummy verify would make the unknown-user path several times faster.
TEST_F(LoginTest, UnknownUserCostsAsMuchAsWrongPassword) {
  options_.password.ops_limit = 3;
  options_.password.mem_limit_bytes = 8u << 20;
  options_.login_limits.max_failures_per_account = 1000;
  options_.login_limits.max_failures_per_address = 1000;
  Start();
  Register("alice");
  auto min_ms = [&](const char* name) {
    std::vector<double> ms;
    for (int i = 0; i < 7; ++i) {
      auto start = std::chrono::steady_clock::now();
      EXPECT_FALSE(service_->Login(name, "not the password", "", Client()).ok());
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[0];  // the minimum: other processes only ever add time
  };
  const double wrong = min_ms("alice");
  const double unknown = min_ms("nobody");
  EXPECT_GT(unknown, wrong * 0.3) << "unknown " << unknown << " ms, wrong " << wrong << " ms";
  EXPECT_LT(unknown, wrong * 3.0) << "unknown " << unknown << " ms, wrong " << wrong << " ms";
}

TEST_F(LoginTest, DisabledUserCannotLogInOrRefresh) {
  Start();
  User alice = Register("alice");
  TokenResponse tokens = Login("alice");
  Read([&](StoreTx& tx) { return tx.SetUserDisabled(alice.id, true); });
  EXPECT_EQ(ReasonOf(service_->Login("alice", kPassword, "", Client())), Reason::kUserDisabled);
  EXPECT_EQ(RefreshReason(tokens.refresh_token), Reason::kUserDisabled);
}

TEST_F(LoginTest, InvalidScopeIsRefused) {
  Start();
  Register("alice");
  auto r = service_->Login("alice", kPassword, "bad\"scope", Client());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
}

TEST_F(LoginTest, FailuresPerAccountAreThrottledUntilTheWindowEnds) {
  options_.login_limits.max_failures_per_account = 3;
  options_.login_limits.window_seconds = 300;
  Start();
  Register("alice");
  Register("bob");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ReasonOf(service_->Login("alice", "wrong password", "", Client())),
              Reason::kBadCredentials);
  }
  // Even the right password waits: the limit protects the account, not the attempt.
  auto limited = service_->Login("alice", kPassword, "", Client());
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(limited.error().reason(), Reason::kRateLimited);
  EXPECT_GT(limited.error().retry_after_seconds(), 0);
  EXPECT_LE(limited.error().retry_after_seconds(), 300);
  // Another account from the same address is not affected.
  Login("bob");

  clock_.Advance(limited.error().retry_after_seconds());
  Login("alice");
}

TEST_F(LoginTest, FailuresPerAddressAreThrottledAcrossAccounts) {
  options_.login_limits.max_failures_per_account = 100;
  options_.login_limits.max_failures_per_address = 5;
  Start();
  Register("alice");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ReasonOf(service_->Login("user" + std::to_string(i), "wrong password", "",
                                       Client("198.51.100.7"))),
              Reason::kBadCredentials);
  }
  EXPECT_EQ(ReasonOf(service_->Login("alice", kPassword, "", Client("198.51.100.7"))),
            Reason::kRateLimited);
  Login("alice", "198.51.100.8");  // another address is fine
}

TEST_F(LoginTest, SuccessfulLoginsFromOneAddressAreNeverThrottled) {
  options_.login_limits.max_failures_per_account = 2;
  options_.login_limits.max_failures_per_address = 2;
  Start();
  for (int i = 0; i < 8; ++i) Register("user" + std::to_string(i));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 8; ++i) Login("user" + std::to_string(i), "203.0.113.9");
  }
}

// `count` logins of alice with `password` at once, each from its own address; the reasons.
std::map<Reason, int> LoginsAtOnce(TokenService& service, int count, const std::string& password) {
  std::mutex mu;
  std::map<Reason, int> outcomes;
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      const Reason r =
          ReasonOf(service.Login("alice", password, "", Client("192.0.2." + std::to_string(i))));
      std::lock_guard lock(mu);
      ++outcomes[r];
    });
  }
  for (auto& t : threads) t.join();
  return outcomes;
}

// api.md: successful logins are never throttled — also when they arrive at once. The limiter
// holds back attempts that would pass the limit while others are being checked, and admits them
// as those succeed, instead of refusing them.
TEST_F(LoginTest, ConcurrentCorrectLoginsOfOneAccountAllSucceed) {
  options_.login_limits.max_failures_per_account = 5;
  Start();
  Register("alice");
  EXPECT_EQ(LoginsAtOnce(*service_, 20, kPassword), (std::map<Reason, int>{{Reason::kNone, 20}}));
}

TEST_F(LoginTest, ConcurrentWrongGuessesCheckNoMorePasswordsThanTheLimit) {
  options_.login_limits.max_failures_per_account = 5;
  Start();
  Register("alice");
  // Exactly the limit's worth of passwords is checked; the rest are refused unchecked.
  EXPECT_EQ(LoginsAtOnce(*service_, 20, "wrong password"),
            (std::map<Reason, int>{{Reason::kBadCredentials, 5}, {Reason::kRateLimited, 15}}));
  EXPECT_EQ(Audit("login_failed").size(), 5u);
}

TEST_F(LoginTest, Ipv6ClientsRotatingInsideOnePrefixShareTheAddressLimit) {
  options_.login_limits.max_failures_per_account = 100;
  options_.login_limits.max_failures_per_address = 3;
  Start();
  Register("alice");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ReasonOf(service_->Login("user" + std::to_string(i), "wrong password", "",
                                       Client("2001:db8:7:7::" + std::to_string(i + 1)))),
              Reason::kBadCredentials);
  }
  // Another address of the same /64 is the same client.
  EXPECT_EQ(ReasonOf(service_->Login("alice", kPassword, "", Client("2001:db8:7:7:abcd::9"))),
            Reason::kRateLimited);
  Login("alice", "2001:db8:7:8::1");  // the next /64 is another client
}

}  // namespace
}  // namespace jwtd::auth::testing
