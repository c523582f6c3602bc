// Shared steps of the server integration tests: a temp data dir, a running `jwtd serve`, and the
// HTTP calls a client makes (register, login, refresh, logout).
//
// ServerTest is parameterised over the store: every TEST_P runs once on the embedded SQLite
// file (the zero-config default) and once on a fresh database of a real PostgreSQL server
// (tests/support, shared by the binary), selected with --set store.url=... . Tests that are
// about the SQLite file itself use SqliteServerTest (TEST_F).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "http_client.h"
#include "jwtd_process.h"

namespace jwtd::testing {

struct Tokens {
  std::string access;
  std::string refresh;
};

enum class StoreKind { kSqlite, kPostgres };
std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info);

class ServerTestBase : public ::testing::Test {
 protected:
  explicit ServerTestBase(StoreKind store) : store_(store) {}
  void SetUp() override;

  StoreKind store() const { return store_; }
  // The options that select this test's store, for `jwtd serve` and every CLI command:
  // --data-dir <dir> and, on PostgreSQL, --set store.url=<fresh database>.
  std::vector<std::string> StoreArgs() const;
  // `jwtd <args> <StoreArgs()>`.
  ProcessResult RunCli(std::vector<std::string> args, const std::string& input = {}) const;
  // Starts a server with `extra` flags (e.g. {"--set", "tokens.refresh_grace=5"}).
  void StartServer(std::vector<std::string> extra = {});
  HttpClient client() const { return HttpClient(server_->port()); }

  void Register(const std::string& user, const std::string& password = "correct horse");
  Tokens Login(const std::string& user, const std::string& password = "correct horse");
  HttpResponse Refresh(const std::string& refresh_token) const;
  // GET /v1/me with the token: its status.
  int MeStatus(const std::string& access) const;
  // The sid claim of an access token (decoded, not verified: the server verifies).
  static std::string ClaimOf(const std::string& access, const std::string& claim);
  static std::string KidOf(const std::string& access);

  TempDir dir_;
  std::string data_dir_ = dir_.path() + "/data";
  std::string store_url_;  // PostgreSQL only; SQLite: the default file in data_dir_
  std::unique_ptr<JwtdServer> server_;

 private:
  StoreKind store_;
};

class ServerTest : public ServerTestBase, public ::testing::WithParamInterface<StoreKind> {
 protected:
  ServerTest() : ServerTestBase(GetParam()) {}
};

class SqliteServerTest : public ServerTestBase {
 protected:
  SqliteServerTest() : ServerTestBase(StoreKind::kSqlite) {}
};

}  // namespace jwtd::testing
