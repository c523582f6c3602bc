#include "server_fixture.h"

#include <boost/json/serialize.hpp>
#include <ctime>

#include "http/csrf.h"
#include "jwtd/random.h"
#include "jwtd/store/sqlite_store.h"

namespace jwtd::http::testing {

auth::AuthOptions ServerTest::DefaultAuth() {
  auth::AuthOptions a;
  a.issuer = "http://127.0.0.1:8080";
  a.audience = "jwtd";
  a.password.ops_limit = 1;  // Argon2id at its minimum cost: the tests are about HTTP
  a.password.mem_limit_bytes = 64 * 1024;
  return a;
}

ServerOptions ServerTest::DefaultOptions() {
  ServerOptions o;
  o.port = 0;
  o.io_threads = 2;
  o.worker_threads = 2;
  o.read_timeout = std::chrono::milliseconds(1500);
  o.idle_timeout = std::chrono::milliseconds(3000);
  o.csrf_key = std::string(kCsrfKeyBytes, '\0');
  RandomBytes({reinterpret_cast<std::uint8_t*>(o.csrf_key.data()), o.csrf_key.size()});
  return o;
}

void ServerTest::SetUp() {
  clock_.Set(static_cast<std::int64_t>(std::time(nullptr)));
  dir_ = std::filesystem::temp_directory_path() / ("jwtd_http_" + RandomToken(9));
  std::filesystem::create_directories(dir_);
  store::SqliteOptions so;
  so.path = (dir_ / "jwtd.db").string();
  so.synchronous_full = false;
  auto store = store::OpenSqliteStore(so, &clock_);
  ASSERT_TRUE(store.ok()) << store.error().message();
  store_ = std::move(*store);
  Restart(DefaultOptions());
}

void ServerTest::Restart(ServerOptions options, auth::AuthOptions auth) {
  StopServer();
  server_.reset();
  tokens_.reset();
  keys_.reset();
  auth::KeyRingOptions ko;
  ko.directory = (dir_ / "keys").string();
  ko.verify.issuer = auth.issuer;
  ko.verify.audiences = {auth.audience};
  auto keys = auth::KeyRing::Open(ko, &clock_);
  ASSERT_TRUE(keys.ok()) << keys.error().message();
  keys_ = std::move(*keys);
  auto tokens = auth::TokenService::Create(auth, {store_.get(), keys_.get(), &clock_, nullptr});
  ASSERT_TRUE(tokens.ok()) << tokens.error().message();
  tokens_ = std::move(*tokens);
  auto server =
      Server::Create(options, {tokens_.get(), keys_.get(), store_.get(), nullptr, &clock_});
  ASSERT_TRUE(server.ok()) << server.error().message();
  server_ = std::move(*server);
  runner_ = std::thread([s = server_.get()] { s->Run(); });
}

void ServerTest::StopServer() {
  if (!runner_.joinable()) return;
  server_->Stop();
  runner_.join();
}

void ServerTest::TearDown() {
  StopServer();
  server_.reset();
  tokens_.reset();
  keys_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void ServerTest::Register(const std::string& user) {
  const Reply r =
      PostJson("/v1/users", R"({"username":")" + user + R"(","password":")" + kPassword + R"("})");
  ASSERT_EQ(r.status, 201) << r.body;
}

boost::json::object ServerTest::Login(const std::string& user, bool cookie, Reply* raw) {
  const Reply r =
      PostJson("/v1/login", R"({"username":")" + user + R"(","password":")" + kPassword +
                                R"(","cookie":)" + (cookie ? "true" : "false") + "}");
  if (raw != nullptr) *raw = r;
  EXPECT_EQ(r.status, 200) << r.body;
  const auto v = r.Json();
  return v.is_object() ? v.as_object() : boost::json::object();
}

}  // namespace jwtd::http::testing
