// The in-process server of the http tests: the real TokenService, SQLite store (temp dir) and
// key ring behind a Server on 127.0.0.1 port 0, run on a background thread.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "http/server.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "test_client.h"

namespace jwtd::http::testing {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Replaces the running server with one built from these options (the store is kept).
  void Restart(ServerOptions options, auth::AuthOptions auth = DefaultAuth());
  static ServerOptions DefaultOptions();
  static auth::AuthOptions DefaultAuth();
  void StopServer();

  std::uint16_t port() const { return server_->port(); }
  Reply Get(std::string_view target, Headers headers = {}) {
    return Send(port(), "GET", target, {}, std::move(headers));
  }
  Reply PostJson(std::string_view target, std::string json, Headers headers = {}) {
    return SendJson(port(), "POST", target, std::move(json), std::move(headers));
  }
  Reply PostForm(std::string_view target, std::string form, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return Send(port(), "POST", target, std::move(form), std::move(headers));
  }
  static Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  // Registers `user` (password "correct horse") and asserts 201.
  void Register(const std::string& user);
  // Logs in and asserts 200; returns the JSON token response.
  boost::json::object Login(const std::string& user, bool cookie = false, Reply* raw = nullptr);

  std::filesystem::path dir_;
  ManualClock clock_{0};
  std::unique_ptr<auth::Store> store_;
  std::unique_ptr<auth::KeyRing> keys_;
  std::unique_ptr<auth::TokenService> tokens_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
};

inline constexpr const char* kPassword = "correct horse";

}  // namespace jwtd::http::testing
