// audit.retention on the real `jwtd serve`: the maintenance sweep deletes audit rows older than
// the retention (90 days by default) and `jwtd audit` lists what remains; 0 keeps every row; a
// bad value is a clear configuration error. Old rows are written into the SQLite file directly
// (the process has no clock to move), in the columns the store itself writes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>

#include "jwtd_process.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kDay = 24 * 3600;

// One audit row `days_ago` old, told apart by its client address.
void InsertAudit(const std::string& db_path, std::int64_t days_ago, const std::string& client) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  const std::string sql =
      "INSERT INTO audit(at, event, reason, user_id, session_id, client_ip, detail) VALUES (" +
      std::to_string(std::time(nullptr) - days_ago * kDay) +
      ", 'login_failed', 'bad_password', NULL, '', '" + client + "', '')";
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string Audit(const std::string& data_dir) {
  ProcessResult audit = RunJwtd({"audit", "--data-dir", data_dir, "--limit", "1000"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
  return audit.out;
}

// Polls `jwtd audit` until `client` is gone; false after `limit`.
bool GoneWithin(const std::string& data_dir, const std::string& client,
                std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (Audit(data_dir).find(client) != std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

class AuditRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    ProcessResult migrate = RunJwtd({"migrate", "--data-dir", data_dir_});
    ASSERT_EQ(migrate.exit_code, 0) << migrate.out;
    db_ = data_dir_ + "/jwtd.db";
  }

  TempDir dir_;
  std::string data_dir_, db_;
};

TEST_F(AuditRetentionTest, DefaultRetentionSweepsRowsOlderThanNinetyDays) {
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 120, "192.0.2.120"));
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 91, "192.0.2.91"));
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 89, "192.0.2.89"));
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 1, "192.0.2.1"));
  JwtdServer server(data_dir_, {"--set", "store.sweep_interval=1"});

  EXPECT_TRUE(GoneWithin(data_dir_, "192.0.2.120", 15s)) << server.Output();
  const std::string rest = Audit(data_dir_);
  EXPECT_EQ(rest.find("192.0.2.91"), std::string::npos) << rest;
  EXPECT_NE(rest.find("192.0.2.89"), std::string::npos) << rest;
  EXPECT_NE(rest.find("192.0.2.1 "), std::string::npos) << rest;
}

TEST_F(AuditRetentionTest, ShorterRetentionAndZeroKeepsEverything) {
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 400, "192.0.2.40"));
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 8, "192.0.2.8"));
  ASSERT_NO_FATAL_FAILURE(InsertAudit(db_, 6, "192.0.2.6"));
  {
    JwtdServer kept(data_dir_, {"--set", "store.sweep_interval=1", "--set", "audit.retention=0"});
    std::this_thread::sleep_for(2500ms);  // a start-up sweep and two more
    const std::string all = Audit(data_dir_);
    EXPECT_NE(all.find("192.0.2.40"), std::string::npos) << "audit.retention = 0 deleted\n"
                                                         << all << kept.Output();
  }
  JwtdServer week(data_dir_, {"--set", "store.sweep_interval=1", "--set", "audit.retention=7d"});
  EXPECT_TRUE(GoneWithin(data_dir_, "192.0.2.8", 15s)) << week.Output();
  const std::string rest = Audit(data_dir_);
  EXPECT_EQ(rest.find("192.0.2.40"), std::string::npos) << rest;
  EXPECT_NE(rest.find("192.0.2.6"), std::string::npos) << rest;
}

TEST(AuditRetentionConfigTest, IsADurationWithItsDefaultAndBadValuesAreRefused) {
  ProcessResult shown = RunJwtd({"config", "show"});
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_NE(shown.out.find("[audit]\nretention = 7776000\n"), std::string::npos) << shown.out;
  ProcessResult set = RunJwtd({"config", "show", "--set", "audit.retention=30d"});
  EXPECT_NE(set.out.find("retention = 2592000"), std::string::npos) << set.out;
  for (const char* bad : {"forever", "-1d", "1y"}) {
    ProcessResult r = RunJwtd({"config", "check", "--set", std::string("audit.retention=") + bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("audit.retention"), std::string::npos) << r.out;
  }
  ProcessResult env = RunJwtd({"config", "check"}, {{"JWTD_AUDIT_RETENTION", "soon"}});
  EXPECT_EQ(env.exit_code, 2) << env.out;
  EXPECT_NE(env.out.find("JWTD_AUDIT_RETENTION"), std::string::npos) << env.out;
}

}  // namespace
}  // namespace jwtd::testing
