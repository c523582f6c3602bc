// One PostgreSQL server per test binary, shared by its tests: a GoogleTest Environment that
// starts the server on first use (so a binary's non-PostgreSQL tests, each run as its own ctest
// process, pay nothing) and stops it after the last test. Register it once per binary:
//   static auto* const env = jwtd::testing::PostgresEnvironment::Register();
// and get the server with PostgresEnvironment::Server() (nullptr + a recorded test failure if
// it cannot start: missing binaries fail loudly, they are never a skip).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/postgres_server.h"

namespace jwtd::testing {

class PostgresEnvironment : public ::testing::Environment {
 public:
  // Adds the environment to GoogleTest (idempotent) and returns it.
  static PostgresEnvironment* Register();
  // The shared server, started on the first call. On failure: ADD_FAILURE with the reason
  // (every call, so every test that needs it fails) and nullptr.
  static PostgresServer* Server();
  // A fresh, empty schema on the shared server and the URL that selects it (search_path):
  // per-test isolation at the cost of one CREATE SCHEMA. "" (and a failure) on error.
  static std::string FreshSchemaUrl();
  // A fresh, empty database on the shared server and its URL.
  static std::string FreshDatabaseUrl();

  void TearDown() override;

 private:
  std::unique_ptr<PostgresServer> server_;
  std::string start_error_;
  bool tried_ = false;
  int next_name_ = 0;
};

}  // namespace jwtd::testing
