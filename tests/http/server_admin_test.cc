// POST /v1/admin/revocations/users over loopback against the real TokenService and SQLite store:
// admin clients only (no anonymous access, none from outside admin_allow), a page ends every
// session of its users, a page sent again is answered "applied": false, one out of place is a 409
// with the offset to continue from, and malformed bodies are 400s naming the field.
#include <boost/json.hpp>

#include "server_fixture.h"

namespace jwtd::http::testing {
namespace {

constexpr const char* kAdmin = "Basic b3BzOnMzY3JldA==";  // ops:s3cret
constexpr const char* kPath = "/v1/admin/revocations/users";

std::string Str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

class AdminTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ServerOptions o = DefaultOptions();
    o.admin_clients = {{"ops", "s3cret"}};
    Restart(o);
  }
  Reply Page(const std::string& json, const char* auth = kAdmin) {
    Headers h;
    if (auth != nullptr) h.emplace_back("Authorization", auth);
    return PostJson(kPath, json, std::move(h));
  }
  int MeStatus(const boost::json::object& tokens) {
    return Get("/v1/me", Bearer(Str(tokens, "access_token"))).status;
  }
};

TEST_F(AdminTest, OnlyAdminClientsGetIn) {
  const std::string body = R"({"job":"j","offset":0,"usernames":["ann"]})";
  const Reply none = Page(body, nullptr);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), R"(Basic realm="jwtd-admin")");
  EXPECT_EQ(Page(body, "Basic b3BzOndyb25n").status, 401);  // ops:wrong
  EXPECT_EQ(Page(body, "Bearer x.y.z").status, 401);
  ServerOptions o = DefaultOptions();  // no admin client configured: nobody
  Restart(o);
  EXPECT_EQ(Page(body).status, 401);
  o.admin_clients = {{"ops", "s3cret"}};
  o.admin_allow = {"192.0.2.0/24"};  // not loopback
  Restart(o);
  EXPECT_EQ(Page(body).status, 403);
}

TEST_F(AdminTest, APageEndsItsUsersSessionsOnceAndResumesWhereTheJobStands) {
  for (const char* name : {"ann", "bob", "cyd"}) Register(name);
  const auto ann = Login("ann"), bob = Login("bob"), cyd = Login("cyd");
  const Reply first = Page(R"({"job":"incident","offset":0,"usernames":["ann","ghost"]})");
  ASSERT_EQ(first.status, 200) << first.body;
  const boost::json::value first_json = first.Json();
  const auto& o = first_json.as_object();
  EXPECT_TRUE(o.at("applied").as_bool());
  EXPECT_EQ(o.at("revoked").as_int64(), 1);
  EXPECT_EQ(o.at("next_offset").as_int64(), 2);
  EXPECT_EQ(boost::json::serialize(o.at("unknown")), R"(["ghost"])");
  EXPECT_EQ(first.Header("cache-control"), "no-store");
  EXPECT_EQ(MeStatus(ann), 401);
  EXPECT_EQ(MeStatus(bob), 200);

  const auto ann_again = Login("ann");
  const Reply repeated = Page(R"({"job":"incident","offset":0,"usernames":["ann","ghost"]})");
  ASSERT_EQ(repeated.status, 200);
  EXPECT_FALSE(repeated.Json().at("applied").as_bool());
  EXPECT_EQ(MeStatus(ann_again), 200);  // not signed out a second time

  const Reply ahead = Page(R"({"job":"incident","offset":5,"usernames":["bob"]})");
  EXPECT_EQ(ahead.status, 409) << ahead.body;
  EXPECT_EQ(ahead.Json().at("next_offset").as_int64(), 2);
  EXPECT_EQ(MeStatus(bob), 200);

  const auto id_of = [this](const boost::json::object& tokens) {
    const boost::json::value me = Get("/v1/me", Bearer(Str(tokens, "access_token"))).Json();
    return Str(me.as_object(), "sub");
  };
  const std::string bob_id = id_of(bob), cyd_id = id_of(cyd);
  const Reply ids =
      Page(R"({"job":"incident","offset":2,"user_ids":[)" + bob_id + "," + cyd_id + "]}");
  ASSERT_EQ(ids.status, 200) << ids.body;
  EXPECT_EQ(ids.Json().at("revoked").as_int64(), 2);
  EXPECT_EQ(MeStatus(bob), 401);
  EXPECT_EQ(MeStatus(cyd), 401);
}

TEST_F(AdminTest, MalformedPagesAreRefusedNamingTheField) {
  Register("ann");
  const auto ann = Login("ann");
  const std::pair<const char*, const char*> cases[] = {
      {R"([1])", "JSON object"},
      {R"({"offset":0,"usernames":["ann"]})", "job"},
      {R"({"job":"j","usernames":["ann"]})", "offset"},
      {R"({"job":"j","offset":-1,"usernames":["ann"]})", "offset"},
      {R"({"job":"j","offset":"0","usernames":["ann"]})", "offset"},
      {R"({"job":"j","offset":0})", "usernames"},
      {R"({"job":"j","offset":0,"usernames":["ann"],"user_ids":[1]})", "usernames"},
      {R"({"job":"j","offset":0,"usernames":[]})", "usernames"},
      {R"({"job":"j","offset":0,"usernames":[1]})", "usernames"},
      {R"({"job":"j","offset":0,"user_ids":[0]})", "user_ids"},
      {R"({"job":"j k","offset":0,"usernames":["ann"]})", "job"},
  };
  for (const auto& [body, field] : cases) {
    const Reply r = Page(body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_NE(r.body.find(field), std::string::npos) << body << " -> " << r.body;
  }
  EXPECT_EQ(MeStatus(ann), 200);
}

}  // namespace
}  // namespace jwtd::http::testing
