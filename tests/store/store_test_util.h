// Shared fixtures of the store-contract suite: temp dirs, the adapter factory list, record
// builders. Adding an adapter to every contract test = adding one entry to StoreFactories().
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "jwtd/auth/ports.h"
#include "jwtd/clock.h"
#include "jwtd/store/memory_store.h"
#include "jwtd/store/postgres_store.h"
#include "jwtd/store/sqlite_store.h"
#include "support/postgres_environment.h"

namespace jwtd::store::testing {

#define JWTD_ASSERT_OK(expr)                                \
  do {                                                      \
    const auto& jwtd_r_ = (expr);                           \
    ASSERT_TRUE(jwtd_r_.ok()) << jwtd_r_.error().message(); \
  } while (0)
#define JWTD_EXPECT_OK(expr)                                \
  do {                                                      \
    const auto& jwtd_r_ = (expr);                           \
    EXPECT_TRUE(jwtd_r_.ok()) << jwtd_r_.error().message(); \
  } while (0)

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct StoreFactory {
  std::string name;
  // Opens a new, empty store whose files (if any) live in `dir`.
  std::function<std::unique_ptr<auth::Store>(const TempDir& dir, const Clock* clock)> open;
};

// gtest prints the adapter's name instead of the struct's bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// memory, sqlite, postgres: every contract test runs against each. The postgres stores live in
// a fresh schema of the binary's one shared server (PostgresEnvironment).
std::vector<StoreFactory> StoreFactories();
// StoreFactories() without the memory store: the adapters that keep files or a server (and the
// SSF streams).
std::vector<StoreFactory> DurableFactories();

// The URL of the postgres store the factory opened last (a binary runs its tests one at a
// time), for tests that fill a table faster with SQL than through the ports.
std::string& LastPostgresUrl();

// Fixture: a fresh store of the parameter's kind, a manual clock at kNow.
class StoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  static constexpr std::int64_t kNow = 1'700'000'000;
  void SetUp() override;

  // Runs fn in a transaction and asserts that it committed.
  void Commit(const std::function<Result<void>(auth::StoreTx&)>& fn);
  // Inserts a user in its own transaction and returns it.
  auth::User AddUser(const std::string& name);

  TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<auth::Store> store_;
};

std::string FactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

auth::Session MakeSession(const std::string& id, std::int64_t user_id, std::int64_t created_at);
auth::RefreshRecord MakeRefresh(const std::string& hash, const std::string& session_id,
                                std::int64_t generation);
// A 32-byte "SHA-256" with zero bytes inside, derived from n (no hashing needed in tests).
std::string FakeHash(int n);
auth::RevocationEntry MakeRevocation(const std::string& key, std::int64_t expires_at);

// --- definitions (header-only: the suite globs *_test.cc only) ---

// The binary's shared PostgreSQL server is registered before main runs; it starts on first use.
inline ::jwtd::testing::PostgresEnvironment* const kPostgresEnvironment =
    ::jwtd::testing::PostgresEnvironment::Register();

inline TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "jwtd-store-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) std::abort();  // nothing to test without a directory
  path_ = made;
}

inline TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

inline std::vector<StoreFactory> StoreFactories() {
  return {
      {"memory", [](const TempDir&, const Clock*) { return NewMemoryStore(); }},
      {"sqlite",
       [](const TempDir& dir, const Clock* clock) -> std::unique_ptr<auth::Store> {
         auto store = OpenSqliteStore({.path = dir.File("jwtd.db")}, clock);
         if (!store.ok()) {
           ADD_FAILURE() << "OpenSqliteStore: " << store.error().message();
           return nullptr;
         }
         return std::move(*store);
       }},
      {"postgres",
       [](const TempDir&, const Clock* clock) -> std::unique_ptr<auth::Store> {
         const std::string url = ::jwtd::testing::PostgresEnvironment::FreshSchemaUrl();
         if (url.empty()) return nullptr;
         LastPostgresUrl() = url;
         auto store = OpenPostgresStore({.url = url}, clock);
         if (!store.ok()) {
           ADD_FAILURE() << "OpenPostgresStore: " << store.error().message();
           return nullptr;
         }
         return std::move(*store);
       }},
  };
}

inline std::vector<StoreFactory> DurableFactories() {
  std::vector<StoreFactory> durable = StoreFactories();
  std::erase_if(durable, [](const StoreFactory& f) { return f.name == "memory"; });
  return durable;
}

inline std::string& LastPostgresUrl() {
  static std::string url;
  return url;
}

inline std::string FactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

inline void StoreTest::SetUp() {
  store_ = GetParam().open(dir_, &clock_);
  ASSERT_NE(store_, nullptr);
}

inline void StoreTest::Commit(const std::function<Result<void>(auth::StoreTx&)>& fn) {
  JWTD_ASSERT_OK(store_->Transact(fn));
}

inline auth::User StoreTest::AddUser(const std::string& name) {
  auth::User user;
  Result<void> r = store_->Transact([&](auth::StoreTx& tx) -> Result<void> {
    Result<auth::User> inserted = tx.InsertUser(name, "$argon2id$fake", kNow);
    if (!inserted.ok()) return inserted.error();
    user = *inserted;
    return Ok();
  });
  EXPECT_TRUE(r.ok()) << r.error().message();
  return user;
}

inline auth::Session MakeSession(const std::string& id, std::int64_t user_id,
                                 std::int64_t created_at) {
  auth::Session s;
  s.id = id;
  s.user_id = user_id;
  s.generation = 1;
  s.created_at = created_at;
  s.last_used_at = created_at;
  s.idle_expires_at = created_at + 3600;
  s.scope = "openid";
  s.user_agent = "test-agent/1.0";
  s.client_ip = "127.0.0.1";
  return s;
}

inline auth::RefreshRecord MakeRefresh(const std::string& hash, const std::string& session_id,
                                       std::int64_t generation) {
  auth::RefreshRecord r;
  r.token_hash = hash;
  r.session_id = session_id;
  r.generation = generation;
  r.created_at = 1000 + generation;
  return r;
}

inline std::string FakeHash(int n) {
  std::string h(32, '\0');
  for (std::size_t i = 0; i < h.size(); i += 2) h[i] = static_cast<char>((n * 31 + i) & 0xff);
  return h;
}

inline auth::RevocationEntry MakeRevocation(const std::string& key, std::int64_t expires_at) {
  auth::RevocationEntry e;
  e.kind = auth::RevocationKind::kJti;
  e.key = key;
  e.expires_at = expires_at;
  e.created_at = expires_at - 900;
  return e;
}

}  // namespace jwtd::store::testing
