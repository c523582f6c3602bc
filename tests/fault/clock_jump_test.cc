// Clock jumps forward and back (an NTP step, an operator fixing the time) under the real
// TokenService and the real SQLite store. The process has no clock injection, so this runs
// in-process with a Clock whose wall time steps while its monotonic time does not — exactly
// what CLOCK_REALTIME and CLOCK_MONOTONIC do on such a step.
//
// The invariants: a revoked token whose denylist entry could have been forgotten while the clock
// was ahead is still refused after the clock steps back (in this process and after a restart),
// refresh rotation keeps working across the steps without false reuse detection, and a login
// rate-limit window never locks a user out for longer than its own length.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "jwtd/store/sqlite_store.h"

namespace jwtd::auth {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000;
constexpr std::int64_t kHour = 3600;
constexpr char kPassword[] = "correct horse battery";
constexpr std::int64_t kRetainEndedSessions = 24 * kHour;  // what the server's sweep passes

// Wall time that can step; monotonic time that only moves with real (simulated) elapsed time.
class SteppingClock final : public Clock {
 public:
  explicit SteppingClock(std::int64_t now) : wall_(now) {}
  std::int64_t NowSeconds() const override { return wall_.load(); }
  std::int64_t MonotonicNanos() const override { return mono_.load(); }
  void Elapse(std::int64_t seconds) {
    wall_ += seconds;
    mono_ += seconds * 1'000'000'000;
  }
  void Step(std::int64_t seconds) { wall_ += seconds; }

 private:
  std::atomic<std::int64_t> wall_;
  std::atomic<std::int64_t> mono_{1'000'000'000};
};

ClientInfo Client() { return {"192.0.2.7", "fault-test/1.0"}; }

template <typename T>
Reason ReasonOf(const Result<T>& r) {
  return r.ok() ? Reason::kNone : r.error().reason();
}

class ClockJumpTest : public ::testing::Test {
 protected:
  ClockJumpTest() : clock_(kT0) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "jwtd-fault-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    options_.issuer = "https://issuer.test";
    options_.password.ops_limit = 1;
    options_.password.mem_limit_bytes = 8192;
    options_.login_limits.window_seconds = 300;
  }
  ~ClockJumpTest() override {
    Stop();
    std::filesystem::remove_all(root_);
  }

  void Start() {
    auto store = store::OpenSqliteStore({.path = root_ + "/jwtd.db"}, &clock_);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(*store);
    KeyRingOptions key_options;
    key_options.directory = root_ + "/keys";
    key_options.verify.issuer = options_.issuer;
    key_options.verify.audiences = {options_.audience};
    key_options.verify.leeway_seconds = options_.leeway_seconds;
    auto keys = KeyRing::Open(key_options, &clock_);
    ASSERT_TRUE(keys.ok()) << keys.error().message();
    keys_ = std::move(*keys);
    auto service = TokenService::Create(options_, {store_.get(), keys_.get(), &clock_});
    ASSERT_TRUE(service.ok()) << service.error().message();
    service_ = std::move(*service);
    horizon_ = std::make_unique<ForgetHorizon>(&clock_);
  }
  void Stop() {
    service_.reset();
    keys_.reset();
    store_.reset();
  }
  void Restart() {
    Stop();
    Start();
  }
  // What the server's maintenance tick does: catch up (expiring the view) and sweep the store,
  // both up to the forget horizon.
  void Tick() {
    ASSERT_TRUE(service_->CatchUp().ok());
    auto swept = store_->SweepExpired(horizon_->NowSeconds(), kRetainEndedSessions);
    ASSERT_TRUE(swept.ok()) << swept.error().message();
  }

  TokenResponse Login(const std::string& user) {
    auto r = service_->Login(user, kPassword, "", Client());
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : TokenResponse{};
  }
  Principal Auth(const std::string& access) {
    auto p = service_->Authenticate(access);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? *p : Principal{};
  }
  bool Accepted(const std::string& access) { return service_->Authenticate(access).ok(); }

  std::string root_;
  SteppingClock clock_;
  AuthOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<KeyRing> keys_;
  std::unique_ptr<TokenService> service_;
  std::unique_ptr<ForgetHorizon> horizon_;
};

TEST_F(ClockJumpTest, RevocationsForgottenWhileAheadAreNotRevivedByAStepBack) {
  Start();
  ASSERT_TRUE(service_->Register("alice", kPassword, Client()).ok());
  ASSERT_TRUE(service_->Register("bob", kPassword, Client()).ok());
  TokenResponse logged_out = Login("alice");
  TokenResponse revoked = Login("alice");
  TokenResponse bob = Login("bob");
  TokenResponse live = Login("alice");
  ASSERT_TRUE(service_->Logout(Auth(logged_out.access_token), Client()).ok());
  ASSERT_TRUE(service_->Revoke(revoked.access_token, TokenHint::kAccessToken, Client()).ok());
  ASSERT_TRUE(service_->LogoutAll(Auth(bob.access_token), false, Client()).ok());

  clock_.Elapse(60);
  clock_.Step(+kHour);  // every access token above is past exp + leeway on this clock
  // Traffic goes on while the clock is ahead: a new revocation trims the view, the sweep runs.
  TokenResponse ahead = Login("alice");
  ASSERT_TRUE(service_->Logout(Auth(ahead.access_token), Client()).ok());
  Tick();
  for (const auto* t : {&logged_out, &revoked, &bob, &live})
    EXPECT_FALSE(Accepted(t->access_token));

  clock_.Elapse(60);
  clock_.Step(-kHour);  // back: the tokens' exp lies in the future again
  Tick();
  EXPECT_FALSE(Accepted(logged_out.access_token)) << "a logged-out session's token came back";
  EXPECT_FALSE(Accepted(revoked.access_token)) << "a revoked jti came back";
  EXPECT_FALSE(Accepted(bob.access_token)) << "a logout-all came back";
  EXPECT_TRUE(Accepted(live.access_token));
  // A restart reads the log again: nothing may have been swept from it either.
  Restart();
  EXPECT_FALSE(Accepted(logged_out.access_token));
  EXPECT_FALSE(Accepted(revoked.access_token));
  EXPECT_FALSE(Accepted(bob.access_token));
  EXPECT_TRUE(Accepted(live.access_token));
  EXPECT_EQ(ReasonOf(service_->Refresh(logged_out.refresh_token, Client())),
            Reason::kRefreshRevoked);
}

TEST_F(ClockJumpTest, EntriesStillExpireOnceRealTimeHasPassed) {
  Start();
  ASSERT_TRUE(service_->Register("alice", kPassword, Client()).ok());
  for (int i = 0; i < 5; ++i) {
    TokenResponse t = Login("alice");
    ASSERT_TRUE(service_->Logout(Auth(t.access_token), Client()).ok());
  }
  clock_.Step(+kHour);
  Tick();
  // Forgetting waits for real elapsed time, not for the stepped wall clock...
  auto kept = store_->revocation_log().ReadRevocations(0, kT0, 100);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 5u);
  // ... and happens once it has passed (access TTL + leeway), so the view and log stay bounded.
  clock_.Elapse(options_.access_ttl_seconds + options_.leeway_seconds + 120);
  Tick();
  auto swept = store_->revocation_log().ReadRevocations(0, kT0, 100);
  ASSERT_TRUE(swept.ok());
  EXPECT_TRUE(swept->empty());
}

TEST_F(ClockJumpTest, RefreshRotationSurvivesStepsBothWays) {
  options_.session_absolute_ttl_seconds = 8 * kHour;
  Start();
  ASSERT_TRUE(service_->Register("alice", kPassword, Client()).ok());
  TokenResponse t = Login("alice");
  for (std::int64_t step : {+kHour, -kHour, -kHour, +kHour}) {
    clock_.Elapse(30);
    clock_.Step(step);
    auto next = service_->Refresh(t.refresh_token, Client());
    ASSERT_TRUE(next.ok()) << "step " << step << ": " << next.error().message();
    EXPECT_TRUE(Accepted(next->access_token)) << "step " << step;
    // The spent token is still spent: reuse, whatever the clock says.
    EXPECT_EQ(ReasonOf(service_->Refresh(t.refresh_token, Client())), Reason::kRefreshReused);
    EXPECT_FALSE(Accepted(next->access_token)) << "reuse must end the session";
    t = Login("alice");
  }
  // The absolute lifetime is honoured on the clock: a step past it ends refreshing.
  clock_.Step(9 * kHour);
  EXPECT_EQ(ReasonOf(service_->Refresh(t.refresh_token, Client())), Reason::kRefreshExpired);
  // A logged-out family stays dead across a step back.
  clock_.Step(-9 * kHour);
  TokenResponse u = Login("alice");
  ASSERT_TRUE(service_->LogoutByRefresh(u.refresh_token, Client()).ok());
  clock_.Step(-kHour);
  EXPECT_NE(ReasonOf(service_->Refresh(u.refresh_token, Client())), Reason::kNone);
  EXPECT_FALSE(Accepted(u.access_token));
}

TEST_F(ClockJumpTest, RateLimitWindowDoesNotLockOutAfterAStepBack) {
  Start();
  ASSERT_TRUE(service_->Register("alice", kPassword, Client()).ok());
  auto attempt = [&](const char* password) {
    return ReasonOf(service_->Login("alice", password, "", Client()));
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt("wrong password!"), Reason::kBadCredentials);
  EXPECT_EQ(attempt(kPassword), Reason::kRateLimited);
  clock_.Step(-kHour);  // back into an older window: not blocked forever
  EXPECT_EQ(attempt(kPassword), Reason::kNone);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt("wrong password!"), Reason::kBadCredentials);
  EXPECT_EQ(attempt(kPassword), Reason::kRateLimited);
  clock_.Step(+2 * kHour);  // and forward: the window has ended
  EXPECT_EQ(attempt(kPassword), Reason::kNone);
  // Within one window the limit still holds after the steps.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt("wrong password!"), Reason::kBadCredentials);
  auto blocked = service_->Login("alice", kPassword, "", Client());
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().reason(), Reason::kRateLimited);
  EXPECT_GT(blocked.error().retry_after_seconds(), 0);
  EXPECT_LE(blocked.error().retry_after_seconds(), options_.login_limits.window_seconds);
}

}  // namespace
}  // namespace jwtd::auth
