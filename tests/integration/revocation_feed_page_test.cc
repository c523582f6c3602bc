// GET /v1/revocations against a real `jwtd serve` (SQLite and PostgreSQL): feed clients only,
// pages that together hold every live entry exactly once, a cursor that skips nothing, and the
// metadata a third-party verifier reads.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "server_fixture.h"

namespace jwtd::testing {
namespace {

constexpr char kClient[] = "rs1";
constexpr char kSecret[] = "feed-secret-0123456789";
// "rs1:feed-secret-0123456789", base64.
constexpr char kBasic[] = "Basic cnMxOmZlZWQtc2VjcmV0LTAxMjM0NTY3ODk=";

class FeedPageTest : public ServerTest {
 protected:
  void StartWithFeed(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--set", std::string("feed.clients=") + kClient + ":" + kSecret});
    StartServer(std::move(extra));
  }
  HttpResponse Page(const std::string& query, const std::string& auth = kBasic) const {
    HttpRequest r{.target = "/v1/revocations" + query, .headers = {}};
    if (!auth.empty()) r.headers.push_back({"Authorization", auth});
    return client().Send(r);
  }
  // Logs out `n` sessions of alice: n session entries in the log.
  void Revocations(int n) {
    for (int i = 0; i < n; ++i) {
      Tokens t = Login("alice");
      ASSERT_EQ(client().PostJson("/v1/logout", boost::json::object{}, t.access).status, 204);
    }
  }
};

TEST_P(FeedPageTest, OnlyFeedClientsMayRead) {
  StartWithFeed();
  EXPECT_EQ(Page("", "").status, 401);
  EXPECT_EQ(Page("", "").Header("www-authenticate"), "Basic realm=\"jwtd-feed\"");
  EXPECT_EQ(Page("", "Basic cnMxOndyb25n").status, 401);  // rs1:wrong
  EXPECT_EQ(Page("", "Bearer x").status, 401);
  EXPECT_EQ(Page("").status, 200);
}

TEST_P(FeedPageTest, WithoutFeedClientsNobodyReads) {
  StartServer();
  EXPECT_EQ(Page("").status, 401);
}

TEST_P(FeedPageTest, AddressesOutsideFeedAllowAreRefused) {
  StartWithFeed({"--set", "feed.allow=192.0.2.0/24"});
  EXPECT_EQ(Page("").status, 403);
}

TEST_P(FeedPageTest, BadParametersAre400AndNameTheParameter) {
  StartWithFeed();
  for (const char* q :
       {"?after=-1", "?after=x", "?limit=0", "?limit=10001", "?after=1&after=2", "?limit=%zz"}) {
    HttpResponse r = Page(q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.Json().as_object().at("error").as_string(), "invalid_request") << q;
  }
  EXPECT_NE(Page("?limit=0").body.find("limit"), std::string::npos);
}

TEST_P(FeedPageTest, PagesFromZeroHoldEveryLiveEntryOnceAndTheCursorSkipsNothing) {
  StartWithFeed();
  Register("alice");
  Revocations(23);
  std::set<std::int64_t> seen;
  std::int64_t after = 0, current = 0;
  for (int pages = 0; pages < 100; ++pages) {
    HttpResponse r = Page("?after=" + std::to_string(after) + "&limit=5");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.Json().as_object();
    std::int64_t previous = after;
    for (const auto& e : body.at("entries").as_array()) {
      const auto& o = e.as_object();
      const std::int64_t seq = o.at("seq").as_int64();
      EXPECT_GT(seq, previous);  // in seq order
      previous = seq;
      EXPECT_TRUE(seen.insert(seq).second) << "seq " << seq << " twice";
      EXPECT_EQ(o.at("kind").as_string(), "session");
      EXPECT_FALSE(o.at("key").as_string().empty());
      EXPECT_GT(o.at("expires_at").as_int64(), 0);
      EXPECT_FALSE(o.contains("username"));
    }
    after = body.at("next").as_int64();
    current = body.at("current_seq").as_int64();
    EXPECT_GT(body.at("server_time").as_int64(), 0);
    if (body.at("complete").as_bool()) break;
  }
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(after, current);
  // Nothing new: the cursor stays; one more revocation arrives after it.
  EXPECT_TRUE(
      Page("?after=" + std::to_string(after)).Json().as_object().at("entries").as_array().empty());
  Revocations(1);
  auto next = Page("?after=" + std::to_string(after)).Json().as_object();
  ASSERT_EQ(next.at("entries").as_array().size(), 1u);
  EXPECT_EQ(next.at("entries").as_array()[0].as_object().at("seq").as_int64(), after + 1);
}

// A follower whose cursor lies past the log (a new database behind the same address) must see
// it: current_seq is the log's, not an echo of the cursor.
TEST_P(FeedPageTest, ACursorPastTheLogGetsTheLogsOwnCurrentSeq) {
  StartWithFeed();
  Register("alice");
  Revocations(2);
  auto page = Page("?after=1000").Json().as_object();
  EXPECT_TRUE(page.at("entries").as_array().empty());
  EXPECT_EQ(page.at("current_seq").as_int64(), 2);
  EXPECT_TRUE(page.at("complete").as_bool());
}

TEST_P(FeedPageTest, MetadataPublishesTheFeedAndTheAccessCheckRules) {
  StartWithFeed({"--set", "tokens.access_ttl=10m", "--set", "tokens.leeway=20"});
  auto m = client().Get("/.well-known/oauth-authorization-server").Json().as_object();
  EXPECT_NE(std::string(m.at("revocation_feed_endpoint").as_string()).find("/v1/revocations"),
            std::string::npos);
  EXPECT_NE(std::string(m.at("revocation_feed_stream_endpoint").as_string())
                .find("/v1/revocations/stream"),
            std::string::npos);
  EXPECT_EQ(m.at("access_token_max_lifetime").as_int64(), 600);
  EXPECT_EQ(m.at("access_token_leeway").as_int64(), 20);
  EXPECT_EQ(m.at("access_token_typ").as_string(), "at+jwt");
  EXPECT_EQ(m.at("revocation_feed_heartbeat_ms").as_int64(), 100);
  EXPECT_EQ(m.at("revocation_strategies").as_array().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Stores, FeedPageTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres), StoreName);

}  // namespace
}  // namespace jwtd::testing
