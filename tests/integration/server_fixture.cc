#include "server_fixture.h"

#include <algorithm>
#include <boost/json.hpp>

#include "support/postgres_environment.h"

namespace jwtd::testing {
namespace {

static auto* const pg_env = PostgresEnvironment::Register();

std::string Base64UrlDecode(std::string in) {
  for (char& c : in) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (in.size() % 4) in += '=';
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, value = 0;
  for (char c : in) {
    if (c == '=') break;
    value = (value << 6) | static_cast<int>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

boost::json::object Segment(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  std::size_t end = token.find('.', start);
  return boost::json::parse(Base64UrlDecode(token.substr(start, end - start))).as_object();
}

std::string AsText(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

}  // namespace

std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param == StoreKind::kSqlite ? "Sqlite" : "Postgres";
}

void ServerTestBase::SetUp() {
  if (store_ == StoreKind::kPostgres) {
    store_url_ = PostgresEnvironment::FreshDatabaseUrl();  // one database per test: isolation
    ASSERT_FALSE(store_url_.empty());
  }
}

std::vector<std::string> ServerTestBase::StoreArgs() const {
  std::vector<std::string> args = {"--data-dir", data_dir_};
  if (!store_url_.empty()) {
    args.insert(args.end(), {"--set", "store.url=" + store_url_});
  }
  return args;
}

ProcessResult ServerTestBase::RunCli(std::vector<std::string> args,
                                     const std::string& input) const {
  // The store's options go before a "--" (after it everything is positional).
  auto at = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> store = StoreArgs();
  args.insert(at, store.begin(), store.end());
  return RunJwtd(args, {}, input);
}

void ServerTestBase::StartServer(std::vector<std::string> extra) {
  // JwtdServer passes --data-dir itself; only the store URL is added here.
  if (!store_url_.empty()) extra.insert(extra.begin(), {"--set", "store.url=" + store_url_});
  server_ = std::make_unique<JwtdServer>(data_dir_, std::move(extra));
}

void ServerTestBase::Register(const std::string& user, const std::string& password) {
  HttpResponse r = client().PostJson("/v1/users", {{"username", user}, {"password", password}});
  ASSERT_EQ(r.status, 201) << r.body;
}

Tokens ServerTestBase::Login(const std::string& user, const std::string& password) {
  HttpResponse r = client().PostJson("/v1/login", {{"username", user}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  auto body = r.Json().as_object();
  return {std::string(body.at("access_token").as_string()),
          std::string(body.at("refresh_token").as_string())};
}

HttpResponse ServerTestBase::Refresh(const std::string& refresh_token) const {
  return client().PostForm("/oauth/token",
                           "grant_type=refresh_token&refresh_token=" + refresh_token);
}

int ServerTestBase::MeStatus(const std::string& access) const {
  return client().Get("/v1/me", access).status;
}

std::string ServerTestBase::ClaimOf(const std::string& access, const std::string& claim) {
  auto claims = Segment(access, 1);
  return claims.contains(claim) ? AsText(claims.at(claim)) : std::string();
}

std::string ServerTestBase::KidOf(const std::string& access) {
  return AsText(Segment(access, 0).at("kid"));
}

// Every TEST_P(ServerTest, ...) of the binary, once per store.
INSTANTIATE_TEST_SUITE_P(Stores, ServerTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres), StoreName);

}  // namespace jwtd::testing
