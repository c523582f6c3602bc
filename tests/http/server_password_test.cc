// POST /v1/password over loopback against the real TokenService, SQLite store and key ring: the
// change itself (old password refused, new one accepted, every other session over, the caller
// going on with the fresh token), a wrong current password (401, nothing changed, limited like a
// login) and bad bodies (400 naming the field).
#include <boost/json.hpp>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

constexpr const char* kNewPassword = "a brand new passphrase";

std::string Str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string ChangeBody(std::string_view current, std::string_view next) {
  boost::json::object o;
  o["current_password"] = current;
  o["new_password"] = next;
  return boost::json::serialize(o);
}

class PasswordTest : public ServerTest {
 protected:
  Reply Change(const std::string& access, std::string_view current, std::string_view next) {
    return PostJson("/v1/password", ChangeBody(current, next), Bearer(access));
  }
  int LoginWith(std::string_view password) {
    boost::json::object o;
    o["username"] = "ann";
    o["password"] = password;
    return PostJson("/v1/login", boost::json::serialize(o)).status;
  }
  Reply RefreshWith(const std::string& refresh) {
    return PostForm("/oauth/token", "grant_type=refresh_token&refresh_token=" + refresh);
  }
};

TEST_F(PasswordTest, ChangeKeepsTheCallerAndEndsEveryOtherSession) {
  Register("ann");
  const auto mine = Login("ann");
  const auto other = Login("ann");
  const Reply changed = Change(Str(mine, "access_token"), kPassword, kNewPassword);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.Header("cache-control"), "no-store");
  const auto fresh = changed.Json().as_object();
  EXPECT_FALSE(Str(fresh, "access_token").empty());
  EXPECT_EQ(Str(fresh, "token_type"), "Bearer");
  EXPECT_TRUE(fresh.at("expires_in").is_int64());
  EXPECT_FALSE(fresh.contains("refresh_token"));  // the session keeps the one it holds

  // The caller: the new token works and carries the new version; its old one is refused.
  const Reply me = Get("/v1/me", Bearer(Str(fresh, "access_token")));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().at("ver").as_int64(), 2);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(mine, "access_token"))).status, 401);
  EXPECT_EQ(RefreshWith(Str(mine, "refresh_token")).status, 200);

  // Every other session: its access token and its refresh token are refused.
  const Reply other_me = Get("/v1/me", Bearer(Str(other, "access_token")));
  EXPECT_EQ(other_me.status, 401);
  EXPECT_EQ(other_me.Json().at("reason").as_string(), "revoked");
  const Reply other_refresh = RefreshWith(Str(other, "refresh_token"));
  EXPECT_EQ(other_refresh.status, 400);
  EXPECT_EQ(other_refresh.Json().at("error").as_string(), "invalid_grant");

  // Only the new password signs in.
  EXPECT_EQ(LoginWith(kPassword), 401);
  EXPECT_EQ(LoginWith(kNewPassword), 200);
  EXPECT_NE(Get("/metrics").body.find("jwtd_revocations_total{kind=\"password\"} 1"),
            std::string::npos);
}

TEST_F(PasswordTest, WrongCurrentPasswordIs401AndChangesNothing) {
  Register("ann");
  const auto mine = Login("ann");
  const auto other = Login("ann");
  const Reply wrong = Change(Str(mine, "access_token"), "not my password", kNewPassword);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_EQ(wrong.Json().at("error").as_string(), "invalid_credentials");
  EXPECT_TRUE(wrong.Header("www-authenticate").empty());  // the token itself was fine
  EXPECT_EQ(Get("/v1/me", Bearer(Str(mine, "access_token"))).status, 200);
  EXPECT_EQ(Get("/v1/me", Bearer(Str(other, "access_token"))).status, 200);
  EXPECT_EQ(RefreshWith(Str(other, "refresh_token")).status, 200);
  EXPECT_EQ(LoginWith(kNewPassword), 401);
  EXPECT_EQ(LoginWith(kPassword), 200);
}

TEST_F(PasswordTest, WrongCurrentPasswordsAreLimitedLikeLogins) {
  Register("ann");
  const std::string access = Str(Login("ann"), "access_token");
  Reply last;
  for (int i = 0; i < 10 && last.status != 429; ++i) {
    last = Change(access, "not my password", kNewPassword);
  }
  ASSERT_EQ(last.status, 429) << last.body;
  EXPECT_EQ(last.Json().at("error").as_string(), "rate_limited");
  EXPECT_GT(std::stoi(last.Header("retry-after")), 0);
  // The account's counter is the login's: the right password waits too, by either door.
  EXPECT_EQ(Change(access, kPassword, kNewPassword).status, 429);
  EXPECT_EQ(LoginWith(kPassword), 429);
  EXPECT_EQ(Get("/v1/me", Bearer(access)).status, 200);
}

TEST_F(PasswordTest, BadBodiesAre400NamingTheField) {
  Register("ann");
  const auto mine = Login("ann");
  const auto other = Login("ann");
  const std::string access = Str(mine, "access_token");
  const struct {
    std::string body;
    const char* field;
  } cases[] = {
      {R"({"new_password":"a brand new passphrase"})", "current_password"},
      {R"({"current_password":"correct horse"})", "new_password"},
      {R"({"current_password":7,"new_password":"a brand new passphrase"})", "current_password"},
      {R"({"current_password":"correct horse","new_password":null})", "new_password"},
      {ChangeBody(kPassword, "short"), "new_password"},
      {ChangeBody(kPassword, std::string(1025, 'x')), "new_password"},
  };
  for (const auto& c : cases) {
    const Reply r = PostJson("/v1/password", c.body, Bearer(access));
    SCOPED_TRACE(c.body.substr(0, 80));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.Json().at("error").as_string(), "invalid_request");
    EXPECT_NE(r.Json().at("error_description").as_string().find(c.field), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(PostJson("/v1/password", "{", Bearer(access)).status, 400);
  // Without a token: 401 before the body is looked at.
  const Reply anonymous = PostJson("/v1/password", ChangeBody(kPassword, kNewPassword));
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.Header("www-authenticate"), "Bearer");
  // Nothing changed.
  EXPECT_EQ(Get("/v1/me", Bearer(Str(other, "access_token"))).status, 200);
  EXPECT_EQ(LoginWith(kPassword), 200);
}

}  // namespace
}  // namespace jwtd::http::testing
