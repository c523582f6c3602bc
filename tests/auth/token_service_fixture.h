// Fixture for the TokenService tests: the real SQLite store and the real KeyRing in a temp
// directory, a manual clock, and Argon2id at libsodium's minimum costs (the costs change the
// time, not the logic).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "jwtd/store/postgres_store.h"
#include "jwtd/store/sqlite_store.h"
#include "support/postgres_environment.h"

namespace jwtd::auth::testing {

inline constexpr std::int64_t kT0 = 1'700'000'000;
inline constexpr char kPassword[] = "correct horse battery";

inline ClientInfo Client(std::string address = "192.0.2.1") {
  return {std::move(address), "test-agent/1.0"};
}

// kNone for success, else the error's reason: lets tests compare outcomes in one line.
template <typename T>
Reason ReasonOf(const Result<T>& r) {
  return r.ok() ? Reason::kNone : r.error().reason();
}

class TokenServiceTest : public ::testing::Test {
 protected:
  TokenServiceTest() : clock_(kT0) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "jwtd-auth-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    options_.issuer = "https://issuer.test";
    options_.audience = "jwtd";
    options_.password.ops_limit = 1;
    options_.password.mem_limit_bytes = 8192;  // crypto_pwhash_MEMLIMIT_MIN
  }
  ~TokenServiceTest() override {
    Stop();
    std::filesystem::remove_all(root_);
  }

  // Opens store, keys and service with the current options_. Call after adjusting options_.
  void Start() {
    auto store = OpenStore();
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
  }
  void Stop() {
    service_.reset();
    keys_.reset();
    store_.reset();
  }
  // The store under test: a SQLite file in root_ unless a test says otherwise.
  virtual Result<std::unique_ptr<Store>> OpenStore() {
    return store::OpenSqliteStore({.path = root_ + "/jwtd.db"}, &clock_);
  }
  // A process restart: everything in memory is gone, only the files remain.
  void Restart() {
    Stop();
    Start();
  }

  User Register(const std::string& name, const std::string& password = kPassword) {
    auto user = service_->Register(name, password, Client());
    EXPECT_TRUE(user.ok()) << user.error().message();
    return user.ok() ? *user : User{};
  }
  TokenResponse Login(const std::string& name, const std::string& address = "192.0.2.1") {
    auto tokens = service_->Login(name, kPassword, "", Client(address));
    EXPECT_TRUE(tokens.ok()) << tokens.error().message();
    return tokens.ok() ? *tokens : TokenResponse{};
  }
  TokenResponse Refresh(const std::string& refresh_token) {
    auto tokens = service_->Refresh(refresh_token, Client());
    EXPECT_TRUE(tokens.ok()) << tokens.error().message();
    return tokens.ok() ? *tokens : TokenResponse{};
  }
  Principal Auth(const std::string& access_token) {
    auto p = service_->Authenticate(access_token);
    EXPECT_TRUE(p.ok()) << p.error().message();
    return p.ok() ? *p : Principal{};
  }
  Reason AuthReason(const std::string& access_token) {
    return ReasonOf(service_->Authenticate(access_token));
  }
  Reason RefreshReason(const std::string& refresh_token) {
    return ReasonOf(service_->Refresh(refresh_token, Client()));
  }

  // Audit rows of one event kind, newest first.
  std::vector<AuditEvent> Audit(const std::string& event) {
    AuditFilter filter;
    filter.event = event;
    auto rows = store_->ListAudit(filter);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<AuditEvent>{};
  }

  // Reads inside one transaction (for asserting on stored state).
  void Read(const std::function<Result<void>(StoreTx&)>& fn) {
    auto r = store_->Transact(fn);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }

  std::string root_;
  ManualClock clock_;
  AuthOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<KeyRing> keys_;
  std::unique_ptr<TokenService> service_;
};

// The stores the domain tests that touch SQL run on: the embedded SQLite file and a fresh schema
// of the real PostgreSQL server the test binary shares (PostgresEnvironment::Register()).
enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& p) {
  return p.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

class BackendTokenServiceTest : public TokenServiceTest,
                                public ::testing::WithParamInterface<Backend> {
 protected:
  Result<std::unique_ptr<Store>> OpenStore() override {
    if (GetParam() == Backend::kSqlite) return TokenServiceTest::OpenStore();
    if (postgres_url_.empty())
      postgres_url_ = ::jwtd::testing::PostgresEnvironment::FreshSchemaUrl();
    return store::OpenPostgresStore({.url = postgres_url_}, &clock_);
  }

  std::string postgres_url_;
};
}  // namespace jwtd::auth::testing
