// Store contract, schema upgrades on the durable adapters: v3 -> v4 on a store that already
// holds outbox rows (as the v3 release left it). They stay, addressed to every stream; a stream
// created after the upgrade delivers only what comes after it, and what it acknowledged stays
// done. The same SQL takes either store back to v3.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

using auth::StoreTx;
using ::jwtd::testing::PostgresEnvironment;
using ::jwtd::testing::PostgresServer;

constexpr std::int64_t kNow = 1'700'000'000;  // StoreTest::kNow

// Back to v3 as released, with one outbox row written by v3 (later migrations apply again).
constexpr const char kToV3[] =
    "DROP TABLE ssf_streams; DROP TABLE ssf_acks; DROP TABLE bulk_jobs;"
    " ALTER TABLE sessions DROP COLUMN dpop_jkt;"
    " ALTER TABLE security_events DROP COLUMN stream_id;"
    " ALTER TABLE security_events DROP COLUMN txn;"
    " DELETE FROM schema_migrations WHERE version >= 4;"
    " INSERT INTO security_events(kind, user_id, session_id, reason, at)"
    " VALUES (1, 7, 'old-sid', 'logout', 1);";

class StoreUpgradeTest : public StoreTest {
 protected:
  bool postgres() const { return GetParam().name == "postgres"; }

  // Runs SQL on the store's database behind its back (the store is closed meanwhile).
  void Exec(const std::string& sql) {
    if (postgres()) {
      std::string error;
      ASSERT_TRUE(PostgresEnvironment::Server()->Exec(PostgresServer::kDatabase, SearchPath() + sql,
                                                      &error))
          << error;
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(dir_.File("jwtd.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
              SQLITE_OK);
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    const std::string error = message == nullptr ? "" : message;
    sqlite3_free(message);
    sqlite3_close_v2(db);
    ASSERT_EQ(rc, SQLITE_OK) << error;
  }

  // The first column of the first row.
  std::string Value(const std::string& sql) {
    if (postgres()) {
      std::string error;
      std::string v = PostgresEnvironment::Server()->QueryValue(PostgresServer::kDatabase,
                                                                SearchPath() + sql, &error);
      EXPECT_TRUE(error.empty()) << error;
      return v;
    }
    sqlite3* db = nullptr;
    std::string out = "<error>";
    if (sqlite3_open_v2(dir_.File("jwtd.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
        SQLITE_OK) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW) {
        const unsigned char* text = sqlite3_column_text(stmt, 0);
        out = text == nullptr ? "" : reinterpret_cast<const char*>(text);
      }
      sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db);
    return out;
  }

  // Opens the same database again (the factory would make a new one).
  std::unique_ptr<auth::Store> Reopen() {
    Result<std::unique_ptr<auth::Store>> store =
        postgres() ? OpenPostgresStore({.url = LastPostgresUrl()}, &clock_)
                   : OpenSqliteStore({.path = dir_.File("jwtd.db")}, &clock_);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
  }

 private:
  static std::string SearchPath() {
    const std::string& url = LastPostgresUrl();
    return "SET search_path TO " + url.substr(url.rfind("%3D") + 3) + "; ";
  }
};

TEST_P(StoreUpgradeTest, V3ToV4KeepsTheOutboxAndStreamsDeliverOnlyNewEvents) {
  ASSERT_NE(store_, nullptr);
  store_.reset();
  Exec(kToV3);
  store_ = Reopen();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(Value("SELECT max(version) FROM schema_migrations"), "7");
  EXPECT_EQ(Value("SELECT session_id || '/' || stream_id || '/' || txn FROM security_events"),
            "old-sid//");
  auth::SsfStream stream;
  stream.id = "s1";
  stream.client = "rs1";
  stream.audience = "rs1";
  stream.kinds = 0b1010;  // session-revoked and verification
  stream.delivery_method = "urn:ietf:rfc:8936";
  std::vector<auth::SecurityEvent> pending;
  auto pending_now = [&]() {
    Commit([&](StoreTx& tx) -> Result<void> {
      auto p = tx.ssf()->Pending(stream, 10);
      if (!p.ok()) return p.error();
      pending = *p;
      return Ok();
    });
  };
  Commit([&](StoreTx& tx) -> Result<void> {
    JWTD_RETURN_IF_ERROR(tx.ssf()->InsertStream(stream));
    auth::SecurityEvent e;
    e.kind = auth::SecurityEventKind::kSessionRevoked;
    e.user_id = 7;
    e.session_id = "new-sid";
    e.at = kNow;
    JWTD_RETURN_IF_ERROR(tx.AppendSecurityEvent(e));
    e.kind = auth::SecurityEventKind::kCredentialChange;  // a kind this stream does not take
    return tx.AppendSecurityEvent(e);
  });
  pending_now();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].session_id, "new-sid");
  const std::int64_t id = pending[0].id;
  Commit([&](StoreTx& tx) -> Result<void> {
    auto acked = tx.ssf()->Acknowledge("s1", {id, id, 999}, kNow + 60);
    if (!acked.ok()) return acked.error();
    EXPECT_EQ(*acked, 1);  // a repeat and an unknown id acknowledge nothing
    return Ok();
  });
  pending_now();
  EXPECT_TRUE(pending.empty());
  EXPECT_EQ(Value("SELECT acked_through || '/' || delivered FROM ssf_streams"),
            std::to_string(id) + "/1");
  EXPECT_EQ(Value("SELECT count(*) FROM ssf_acks"), "0");
}

INSTANTIATE_TEST_SUITE_P(DurableAdapters, StoreUpgradeTest, ::testing::ValuesIn(DurableFactories()),
                         FactoryName);

}  // namespace
}  // namespace jwtd::store::testing
