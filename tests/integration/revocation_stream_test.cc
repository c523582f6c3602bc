// GET /v1/revocations/stream against a real `jwtd serve` (SQLite): the live feed as Server-Sent
// Events — feed clients only, every revocation as one event in seq order, heartbeats with the
// node's position, Last-Event-ID resumes with no entry lost or repeated (also across a kill -9 of
// the server), a cursor before the replay window told to re-page, at most feed.max_subscribers
// streams, a slow follower dropped without delaying the others, and SIGTERM ending the streams
// cleanly without waiting on them.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "server_fixture.h"
#include "sse_client.h"

namespace jwtd::testing {
namespace {

constexpr char kClient[] = "rs1";
constexpr char kSecret[] = "feed-secret-0123456789";
// "rs1:feed-secret-0123456789", base64.
constexpr char kBasic[] = "Basic cnMxOmZlZWQtc2VjcmV0LTAxMjM0NTY3ODk=";

std::int64_t SeqOf(const SseEvent& e) { return std::stoll(e.id); }

class StreamTest : public SqliteServerTest {
 protected:
  void StartWithFeed(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--set", std::string("feed.clients=") + kClient + ":" + kSecret});
    StartServer(std::move(extra));
    Register("alice");
  }
  std::unique_ptr<SseClient> Follow(std::vector<std::pair<std::string, std::string>> headers = {},
                                    const std::string& query = "", int receive_buffer = 0) const {
    headers.emplace_back("Authorization", kBasic);
    return std::make_unique<SseClient>(server_->port(), "/v1/revocations/stream" + query, headers,
                                       receive_buffer);
  }
  // One logout of a fresh session of alice: one session entry in the log.
  void Revoke() {
    Tokens t = Login("alice");
    ASSERT_EQ(client().PostJson("/v1/logout", boost::json::object{}, t.access).status, 204);
  }
  // Every live seq of the log, paged from 0.
  std::vector<std::int64_t> LogSeqs() const {
    std::vector<std::int64_t> seqs;
    std::int64_t after = 0;
    for (int pages = 0; pages < 100; ++pages) {
      HttpRequest r{.target = "/v1/revocations?after=" + std::to_string(after), .headers = {}};
      r.headers.push_back({"Authorization", kBasic});
      auto body = client().Send(r).Json().as_object();
      for (const auto& e : body.at("entries").as_array()) {
        seqs.push_back(e.as_object().at("seq").as_int64());
      }
      after = body.at("next").as_int64();
      if (body.at("complete").as_bool()) break;
    }
    return seqs;
  }
};

TEST_F(StreamTest, OnlyFeedClientsMayFollowAndBadCursorsAre400) {
  StartWithFeed();
  SseClient anonymous(server_->port(), "/v1/revocations/stream", {});
  EXPECT_EQ(anonymous.status(), 401);
  EXPECT_EQ(anonymous.Header("www-authenticate"), "Basic realm=\"jwtd-feed\"");
  for (const char* bad : {"x", "-1", "+1", "1.5", "99999999999999999999"}) {
    auto s = Follow({{"Last-Event-ID", bad}});
    EXPECT_EQ(s->status(), 400) << bad;
    EXPECT_NE(s->plain_body().find("Last-Event-ID"), std::string::npos) << bad;
  }
  EXPECT_EQ(Follow({}, "?after=x")->status(), 400);
  auto ok = Follow();
  EXPECT_EQ(ok->status(), 200);
  EXPECT_EQ(ok->Header("content-type"), "text/event-stream");
  EXPECT_EQ(ok->Header("cache-control"), "no-store");
}

TEST_F(StreamTest, EveryRevocationArrivesAsOneEventInSeqOrderWithHeartbeats) {
  StartWithFeed({"--set", "feed.heartbeat_ms=50"});
  auto follower = Follow();
  ASSERT_EQ(follower->status(), 200);
  auto first = follower->NextOf("heartbeat", 2000);
  ASSERT_TRUE(first);
  for (int i = 0; i < 5; ++i) Revoke();
  std::vector<std::int64_t> got;
  while (got.size() < 5) {
    auto e = follower->NextOf("revocation", 3000);
    ASSERT_TRUE(e) << "only " << got.size() << " of 5 revocations arrived";
    auto entry = boost::json::parse(e->data).as_object();
    EXPECT_EQ(entry.at("seq").as_int64(), SeqOf(*e));
    EXPECT_EQ(entry.at("kind").as_string(), "session");
    EXPECT_FALSE(entry.contains("username"));
    got.push_back(SeqOf(*e));
  }
  EXPECT_EQ(got, LogSeqs());
  // The next heartbeat vouches for all of them: its id and current_seq are the last seq.
  auto beat = follower->NextOf("heartbeat", 2000);
  ASSERT_TRUE(beat);
  auto position = boost::json::parse(beat->data).as_object();
  EXPECT_EQ(position.at("current_seq").as_int64(), got.back());
  EXPECT_EQ(SeqOf(*beat), got.back());
  EXPECT_LE(position.at("verified_at_ms").as_int64(), position.at("server_time_ms").as_int64());
}

TEST_F(StreamTest, LastEventIdResumesWithNothingLostOrRepeated) {
  StartWithFeed();
  std::int64_t cursor = 0;
  {
    auto follower = Follow();
    for (int i = 0; i < 3; ++i) Revoke();
    for (int i = 0; i < 3; ++i) {
      auto e = follower->NextOf("revocation", 3000);
      ASSERT_TRUE(e);
      cursor = SeqOf(*e);
    }
  }  // disconnected
  for (int i = 0; i < 3; ++i) Revoke();
  auto resumed = Follow({{"Last-Event-ID", std::to_string(cursor)}});
  ASSERT_EQ(resumed->status(), 200);
  for (int i = 1; i <= 3; ++i) {
    auto e = resumed->NextOf("revocation", 3000);
    ASSERT_TRUE(e);
    EXPECT_EQ(SeqOf(*e), cursor + i);
  }
  // ?after= works as well, from the start of the log.
  auto from_zero = Follow({}, "?after=0");
  for (std::int64_t seq : LogSeqs()) {
    auto e = from_zero->NextOf("revocation", 3000);
    ASSERT_TRUE(e);
    EXPECT_EQ(SeqOf(*e), seq);
  }
}

TEST_F(StreamTest, AFollowerResumesAcrossAKillNineWithNoEntryMissedOrReordered) {
  StartWithFeed();
  std::vector<std::int64_t> got;
  auto follow_until = [&](SseClient& s, std::size_t n) {
    while (got.size() < n) {
      auto e = s.NextOf("revocation", 5000);
      ASSERT_TRUE(e) << "stalled at " << got.size();
      ASSERT_TRUE(got.empty() || SeqOf(*e) > got.back()) << "reordered or repeated";
      got.push_back(SeqOf(*e));
    }
  };
  auto follower = Follow();
  for (int i = 0; i < 4; ++i) Revoke();
  follow_until(*follower, 4);
  server_->Kill();
  // The stream breaks (no clean end). A heartbeat already on its way may still be read first
  // (a slow build reads it after the kill), but no revocation: there were only four.
  int buffered = 0;
  while (auto e = follower->Next(2000)) {
    EXPECT_NE(e->event, "revocation") << "an entry after the kill";
    ASSERT_LT(++buffered, 20) << "the stream did not break";
  }
  EXPECT_FALSE(follower->ended());
  server_->Restart();
  for (int i = 0; i < 4; ++i) Revoke();
  auto resumed = Follow({{"Last-Event-ID", std::to_string(got.back())}});
  ASSERT_EQ(resumed->status(), 200);
  follow_until(*resumed, 8);
  EXPECT_EQ(got, LogSeqs());
}

TEST_F(StreamTest, ACursorBeforeTheReplayWindowIsToldToRepage) {
  StartWithFeed({"--set", "feed.replay_entries=2"});
  for (int i = 0; i < 5; ++i) Revoke();
  // The node's feed has read all five (its position trails the store's by up to a heartbeat).
  {
    auto watcher = Follow();
    std::int64_t position = 0;
    for (int i = 0; i < 50 && position < 5; ++i) {
      auto beat = watcher->NextOf("heartbeat", 2000);
      ASSERT_TRUE(beat);
      position = SeqOf(*beat);
    }
    ASSERT_EQ(position, 5);
  }
  auto behind = Follow({{"Last-Event-ID", "1"}});
  ASSERT_EQ(behind->status(), 200);
  auto e = behind->Next(2000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "repage");
  auto body = boost::json::parse(e->data).as_object();
  EXPECT_EQ(body.at("after").as_int64(), 1);
  EXPECT_EQ(body.at("current_seq").as_int64(), LogSeqs().back());
  EXPECT_FALSE(behind->Next(500));
  EXPECT_TRUE(behind->ended());
  // Within the window: replayed.
  auto near = Follow({{"Last-Event-ID", std::to_string(LogSeqs().back() - 1)}});
  auto replayed = near->NextOf("revocation", 2000);
  ASSERT_TRUE(replayed);
  EXPECT_EQ(SeqOf(*replayed), LogSeqs().back());
}

TEST_F(StreamTest, PastMaxSubscribersANewStreamGets503AndAClosedOneFreesItsPlace) {
  StartWithFeed({"--set", "feed.max_subscribers=2"});
  auto a = Follow(), b = Follow();
  ASSERT_EQ(a->status(), 200);
  ASSERT_EQ(b->status(), 200);
  auto refused = Follow();
  EXPECT_EQ(refused->status(), 503);
  EXPECT_EQ(refused->Header("retry-after"), "1");
  a.reset();
  // The server notices the closed stream and frees its place (within a few heartbeats).
  int status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = Follow()->status();
  }
  EXPECT_EQ(status, 200);
}

// A follower that stops reading fills its socket, then its bounded buffer, and is dropped; a
// follower beside it that reads gets every event meanwhile (one slow reader cannot delay or take
// down the others).
TEST_F(StreamTest, ASlowFollowerIsDroppedWithoutDelayingTheOthers) {
  // Heartbeats every 10 ms fill a 4 KiB buffer behind a small socket within a few seconds.
  StartWithFeed({"--set", "server.max_stream_buffer_bytes=4096", "--set", "feed.heartbeat_ms=10"});
  auto slow = Follow({}, "", 4096);  // never read below
  auto fast = Follow();
  ASSERT_EQ(slow->status(), 200);
  ASSERT_EQ(fast->status(), 200);
  auto dropped = [&] {
    return client().Get("/metrics").body.find("jwtd_streams_dropped_total 1\n") !=
           std::string::npos;
  };
  int revocations = 0, beats = 0, next_check = 0;
  std::int64_t last_seq = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool slow_dropped = false;
  while (!slow_dropped && std::chrono::steady_clock::now() < deadline) {
    if (beats >= next_check) {
      next_check = beats + 50;
      Revoke();
      ++revocations;
      slow_dropped = dropped();
    }
    auto e = fast->Next(2000);
    ASSERT_TRUE(e) << "the fast follower stalled after " << beats << " heartbeats";
    if (e->event == "heartbeat") ++beats;
    if (e->event == "revocation") {
      EXPECT_GT(SeqOf(*e), last_seq);
      last_seq = SeqOf(*e);
    }
  }
  ASSERT_TRUE(slow_dropped) << "the slow follower was never dropped";
  // The fast one is still served: it gets the next revocation, and every one before it.
  Revoke();
  ++revocations;
  auto e = fast->NextOf("revocation", 3000);
  for (int i = 0; i < 100 && e && SeqOf(*e) < revocations; ++i)
    e = fast->NextOf("revocation", 3000);
  ASSERT_TRUE(e);
  EXPECT_EQ(SeqOf(*e), revocations);
  EXPECT_TRUE(dropped());  // exactly one: the slow follower
  // The dropped follower sees its stream end without the last chunk (it resumes).
  for (int i = 0; i < 100'000 && slow->Next(2000); ++i) {
  }
  EXPECT_TRUE(slow->closed());
  EXPECT_FALSE(slow->ended());
}

TEST_F(StreamTest, SigtermEndsEveryStreamCleanlyAndDoesNotWaitOnThem) {
  StartWithFeed();
  auto a = Follow(), b = Follow();
  ASSERT_TRUE(a->NextOf("heartbeat", 2000));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Terminate(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  for (int i = 0; i < 1000 && a->Next(2000); ++i) {
  }
  for (int i = 0; i < 1000 && b->Next(2000); ++i) {
  }
  EXPECT_TRUE(a->ended());
  EXPECT_TRUE(b->ended());
}

}  // namespace
}  // namespace jwtd::testing
