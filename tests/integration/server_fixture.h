// Shared steps of the server integration tests: a temp data dir, a running `jwtd serve`, and the
// HTTP calls a client makes (register, login, refresh, logout).
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

class ServerTest : public ::testing::Test {
 protected:
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
  std::unique_ptr<JwtdServer> server_;
};

}  // namespace jwtd::testing
