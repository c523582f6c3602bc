// RevocationFeed against the real SQLite store: one reader of the log fanning out to followers,
// in seq order, exactly once each; replay of the recent window on resume; re-page when a
// follower is further behind; positions that tell a follower how current it is.
#include "jwtd/auth/revocation_feed.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "jwtd/auth/ports.h"
#include "jwtd/clock.h"
#include "jwtd/store/sqlite_store.h"

namespace jwtd::auth {
namespace {

using namespace std::chrono_literals;

// "e<seq>;" per entry, "p<current_seq>;" per position: enough to check order and content.
class TestEncoder final : public FeedEncoder {
 public:
  std::string Entries(std::span<const RevocationEntry> entries) const override {
    std::string out;
    for (const auto& e : entries) out.append("e").append(std::to_string(e.seq)).append(";");
    return out;
  }
  std::string Position(const FeedPosition& p) const override {
    std::string out = "p";
    return out.append(std::to_string(p.current_seq)).append(";");
  }
};

class Collector final : public FeedSubscriber {
 public:
  explicit Collector(bool refuse = false) : refuse_(refuse) {}
  bool Deliver(const std::string& encoded) override {
    std::lock_guard lock(mu_);
    received_ += encoded;
    return !refuse_;
  }
  std::string received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  // The entry seqs received, in order.
  std::vector<std::int64_t> Seqs() const {
    std::vector<std::int64_t> out;
    const std::string r = received();
    for (std::size_t i = 0; i < r.size();) {
      const std::size_t end = r.find(';', i);
      if (r[i] == 'e') out.push_back(std::stoll(r.substr(i + 1, end - i - 1)));
      i = end + 1;
    }
    return out;
  }
  bool WaitFor(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (Seqs().size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    return Seqs().size() >= count;
  }

 private:
  const bool refuse_;
  mutable std::mutex mu_;
  std::string received_;
};

std::vector<std::int64_t> Range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

class RevocationFeedTest : public ::testing::Test {
 protected:
  RevocationFeedTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "jwtd-feed-XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
    auto store = store::OpenSqliteStore({.path = root_ + "/jwtd.db"}, SystemClock());
    EXPECT_TRUE(store.ok());
    store_ = std::move(*store);
  }
  ~RevocationFeedTest() override {
    if (feed_) feed_->Stop();
    feed_.reset();
    store_.reset();
    std::filesystem::remove_all(root_);
  }
  void StartFeed(std::size_t replay = 1000) {
    RevocationFeedOptions o;
    o.heartbeat_ms = 20;
    o.replay_entries = replay;
    o.max_subscribers = 8;
    o.page_size = 7;  // small pages: reads that span several
    auto feed = RevocationFeed::Create(o, &store_->revocation_log(), &encoder_, SystemClock());
    ASSERT_TRUE(feed.ok());
    feed_ = std::move(*feed);
    ASSERT_TRUE(feed_->Start().ok());
  }
  // Appends `count` jti entries in one transaction, as a revoking flow would.
  void Commit(int count) {
    std::deque<RevocationEntry> entries;  // their seqs are set by the commit (ports.h)
    auto r = store_->Transact([&](StoreTx& tx) -> Result<void> {
      entries.clear();
      for (int i = 0; i < count; ++i) {
        RevocationEntry made;
        made.kind = RevocationKind::kJti;
        made.key = "j";
        made.key += std::to_string(next_++);
        made.expires_at = SystemClock()->NowSeconds() + 3600;
        RevocationEntry& e = entries.emplace_back(std::move(made));
        JWTD_RETURN_IF_ERROR(tx.AppendRevocation(e, &e.seq));
      }
      return Ok();
    });
    ASSERT_TRUE(r.ok());
    if (feed_) feed_->Wake();
  }

  std::string root_;
  std::unique_ptr<Store> store_;
  TestEncoder encoder_;
  std::unique_ptr<RevocationFeed> feed_;
  int next_ = 0;
};

TEST_F(RevocationFeedTest, FollowersGetEveryNewEntryOnceInOrder) {
  StartFeed();
  auto a = std::make_shared<Collector>(), b = std::make_shared<Collector>();
  ASSERT_TRUE(feed_->Subscribe(std::nullopt, a).ok());
  ASSERT_TRUE(feed_->Subscribe(std::nullopt, b).ok());
  for (int i = 0; i < 10; ++i) Commit(3);
  ASSERT_TRUE(a->WaitFor(30));
  ASSERT_TRUE(b->WaitFor(30));
  EXPECT_EQ(a->Seqs(), Range(1, 30));
  EXPECT_EQ(b->Seqs(), Range(1, 30));
  std::this_thread::sleep_for(60ms);  // positions follow the entries
  EXPECT_NE(a->received().find("p30;"), std::string::npos);
  EXPECT_EQ(feed_->position().current_seq, 30);
}

TEST_F(RevocationFeedTest, ConcurrentCommitsReachEveryFollowerWithoutGapOrDuplicate) {
  StartFeed(100'000);
  auto follower = std::make_shared<Collector>();
  ASSERT_TRUE(feed_->Subscribe(std::nullopt, follower).ok());
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([this] {
      for (int i = 0; i < 50; ++i) Commit(1 + i % 3);
    });
  }
  for (auto& t : writers) t.join();
  const std::int64_t total = *store_->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(follower->WaitFor(static_cast<std::size_t>(total)));
  EXPECT_EQ(follower->Seqs(), Range(1, total));
}

TEST_F(RevocationFeedTest, AResumingFollowerIsReplayedWhatItMissed) {
  Commit(5);  // before the feed starts: loaded into its replay window
  StartFeed();
  Commit(5);
  auto late = std::make_shared<Collector>();
  ASSERT_TRUE(feed_->Subscribe(3, late).ok());  // it had applied up to seq 3
  ASSERT_TRUE(late->WaitFor(7));
  Commit(2);
  ASSERT_TRUE(late->WaitFor(9));
  EXPECT_EQ(late->Seqs(), Range(4, 12));
}

TEST_F(RevocationFeedTest, AFollowerBeforeTheReplayWindowMustRepage) {
  Commit(20);
  StartFeed(/*replay=*/5);
  auto behind = std::make_shared<Collector>();
  auto refused = feed_->Subscribe(10, behind);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().reason(), Reason::kFeedBehind);
  EXPECT_TRUE(behind->received().empty());  // never an unbounded backlog
  auto recent = std::make_shared<Collector>();
  ASSERT_TRUE(feed_->Subscribe(16, recent).ok());
  ASSERT_TRUE(recent->WaitFor(4));
  EXPECT_EQ(recent->Seqs(), Range(17, 20));
}

TEST_F(RevocationFeedTest, ARefusingFollowerIsDroppedAndTheOthersGoOn) {
  StartFeed();
  auto slow = std::make_shared<Collector>(/*refuse=*/true);
  auto fine = std::make_shared<Collector>();
  ASSERT_TRUE(feed_->Subscribe(std::nullopt, slow).ok());
  ASSERT_TRUE(feed_->Subscribe(std::nullopt, fine).ok());
  Commit(3);
  ASSERT_TRUE(fine->WaitFor(3));
  Commit(3);
  ASSERT_TRUE(fine->WaitFor(6));
  EXPECT_EQ(feed_->stats().subscribers, 1u);
  EXPECT_EQ(feed_->stats().dropped, 1u);
}

TEST_F(RevocationFeedTest, SubscribersAreBounded) {
  StartFeed();
  std::vector<std::shared_ptr<Collector>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_shared<Collector>());
    ASSERT_TRUE(feed_->Subscribe(std::nullopt, held.back()).ok());
  }
  auto ninth = feed_->Subscribe(std::nullopt, std::make_shared<Collector>());
  ASSERT_FALSE(ninth.ok());
  EXPECT_EQ(ninth.error().code(), Code::kResourceExhausted);
}

TEST_F(RevocationFeedTest, PositionsAdvanceEvenWithoutEntriesAndCarryTheReadTime) {
  StartFeed();
  Commit(2);
  std::this_thread::sleep_for(50ms);
  const FeedPosition first = feed_->position();
  EXPECT_EQ(first.current_seq, 2);
  std::this_thread::sleep_for(100ms);
  const FeedPosition later = feed_->position();
  EXPECT_GT(later.verified_at_ms, first.verified_at_ms);  // re-read at every heartbeat
  EXPECT_LE(later.server_time_ms - later.verified_at_ms, 1000);
}

}  // namespace
}  // namespace jwtd::auth
