#include "store_audit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/postgres_environment.h"

namespace jwtd::testing {
namespace {

// RefreshState::kCurrent is 0 (include/jwtd/auth/model.h); the same query runs on both stores.
constexpr char kForkedFamilies[] =
    "SELECT count(*) FROM (SELECT session_id FROM refresh_tokens WHERE state = 0 "
    "GROUP BY session_id HAVING count(*) > 1) AS forked";
constexpr char kLogHoles[] = "SELECT COALESCE(MAX(seq), 0) - count(*) FROM revocations";

int CountInSqlite(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  int count = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      count = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  if (count < 0) ADD_FAILURE() << "cannot read " << db_path << ": " << sqlite3_errmsg(db);
  sqlite3_close(db);
  return count;
}

int CountInPostgres(const std::string& store_url, const char* sql) {
  PostgresServer* server = PostgresEnvironment::Server();
  if (server == nullptr) return -1;
  const std::string database = store_url.substr(store_url.rfind('/') + 1);
  std::string error;
  const std::string value = server->QueryValue(database, sql, &error);
  if (value.empty()) {
    ADD_FAILURE() << "cannot read " << database << ": " << error;
    return -1;
  }
  return std::stoi(value);
}

}  // namespace

int ForkedFamiliesInSqlite(const std::string& db_path) {
  return CountInSqlite(db_path, kForkedFamilies);
}

int ForkedFamiliesInPostgres(const std::string& store_url) {
  return CountInPostgres(store_url, kForkedFamilies);
}

int LogHolesInSqlite(const std::string& db_path) { return CountInSqlite(db_path, kLogHoles); }

int LogHolesInPostgres(const std::string& store_url) {
  return CountInPostgres(store_url, kLogHoles);
}

}  // namespace jwtd::testing
