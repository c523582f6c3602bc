// RevocationFeed: one reader of the log per node, fanning out to every follower (see
// revocation_feed.h).
#include "jwtd/auth/revocation_feed.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "jwtd/auth/ports.h"

namespace jwtd::auth {
namespace {

class RevocationFeedImpl final : public RevocationFeed {
 public:
  RevocationFeedImpl(RevocationFeedOptions options, RevocationLog* log, const FeedEncoder* encoder,
                     const Clock* clock)
      : options_(options),
        log_(log),
        encoder_(encoder),
        clock_(clock),
        forget_(clock),
        wall_at_start_ms_(clock->NowSeconds() * 1000),
        mono_at_start_ns_(clock->MonotonicNanos()) {}
  ~RevocationFeedImpl() override { Stop(); }

  Result<void> Start() override;
  void Stop() override;
  void Wake() override;
  Result<std::uint64_t> Subscribe(std::optional<std::int64_t> after,
                                  std::shared_ptr<FeedSubscriber> subscriber) override;
  void Unsubscribe(std::uint64_t id) override;
  FeedPosition position() const override;
  FeedStats stats() const override;

 private:
  struct Subscription {
    std::shared_ptr<FeedSubscriber> subscriber;
    std::int64_t cursor = 0;  // entries with seq <= cursor are delivered (or skipped)
  };

  // Wall time in ms with millisecond resolution (the clock's seconds, carried by its monotonic
  // time since the feed started).
  std::int64_t WallMillis() const {
    return wall_at_start_ms_ + (clock_->MonotonicNanos() - mono_at_start_ns_) / 1'000'000;
  }
  void Run();
  // Reads the log after cursor_ to its end and delivers what it found. mu_ not held.
  Result<void> ReadAndDeliver();
  // Under mu_: appends to the replay window and delivers to every subscriber.
  void Publish(std::vector<RevocationEntry> entries, std::int64_t confirmed,
               std::int64_t verified_at_ms);
  void SendPositions();
  void DropRefused();
  // Takes out the subscriptions Unsubscribe named (mu_ held).
  void DropUnsubscribed();

  // Immutable after construction.
  const RevocationFeedOptions options_;
  RevocationLog* const log_;
  const FeedEncoder* const encoder_;
  const Clock* const clock_;
  const ForgetHorizon forget_;
  const std::int64_t wall_at_start_ms_;
  const std::int64_t mono_at_start_ns_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
  // Guarded by mu_.
  bool started_ = false;
  bool stop_ = false;
  bool woken_ = false;
  std::int64_t cursor_ = 0;  // every seq <= cursor_ was read from the store (or is expired)
  std::int64_t verified_at_ms_ = 0;
  std::deque<RevocationEntry> replay_;  // the last entries read, seq ascending
  std::int64_t replay_from_ = 0;        // a cursor >= this can be replayed without a gap
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::vector<std::uint64_t> refused_;  // to drop once the delivery loop is done
  std::uint64_t next_id_ = 1;
  std::uint64_t delivered_ = 0, dropped_ = 0, read_failures_ = 0;

  std::mutex unsubscribe_mu_;              // never held while taking mu_
  std::vector<std::uint64_t> unsubscribed_;  // guarded by unsubscribe_mu_
};

Result<void> RevocationFeedImpl::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return Ok();
  }
  // The replay window starts filled with the log's last entries, so followers reconnecting
  // right after this node (re)started resume without re-paging.
  const std::int64_t verified = WallMillis();
  auto max_seq = log_->MaxRevocationSeq();
  if (!max_seq.ok()) return max_seq.error();
  const std::int64_t from =
      std::max<std::int64_t>(0, *max_seq - static_cast<std::int64_t>(options_.replay_entries));
  std::vector<RevocationEntry> loaded;
  std::int64_t after = from;
  for (;;) {
    auto page = log_->ReadRevocations(after, forget_.NowSeconds(), options_.page_size);
    if (!page.ok()) return page.error();
    if (!page->empty()) after = page->back().seq;
    for (auto& e : *page) loaded.push_back(std::move(e));
    if (page->size() < options_.page_size) break;
  }
  std::lock_guard lock(mu_);
  if (started_) return Ok();
  replay_from_ = from;
  cursor_ = std::max(*max_seq, after);
  verified_at_ms_ = verified;
  for (auto& e : loaded) replay_.push_back(std::move(e));
  while (replay_.size() > options_.replay_entries) {
    replay_from_ = replay_.front().seq;
    replay_.pop_front();
  }
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return Ok();
}

void RevocationFeedImpl::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void RevocationFeedImpl::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  wake_.notify_all();
}

void RevocationFeedImpl::Run() {
  const auto interval = std::chrono::milliseconds(options_.heartbeat_ms);
  auto next_position = std::chrono::steady_clock::now() + interval;
  std::unique_lock lock(mu_);
  while (!stop_) {
    woken_ = false;
    lock.unlock();
    if (auto read = ReadAndDeliver(); !read.ok()) {
      std::lock_guard failed(mu_);
      ++read_failures_;  // positions stop advancing: followers see the feed's lag grow
    }
    if (std::chrono::steady_clock::now() >= next_position) {
      SendPositions();
      next_position = std::chrono::steady_clock::now() + interval;
    }
    lock.lock();
    wake_.wait_until(lock, next_position, [this] { return stop_ || woken_; });
  }
}

Result<void> RevocationFeedImpl::ReadAndDeliver() {
  std::int64_t after = 0;
  {
    std::lock_guard lock(mu_);
    after = cursor_;
  }
  const std::int64_t verified = WallMillis();
  auto max_seq = log_->MaxRevocationSeq();
  if (!max_seq.ok()) return max_seq.error();
  for (;;) {
    auto page = log_->ReadRevocations(after, forget_.NowSeconds(), options_.page_size);
    if (!page.ok()) return page.error();
    const bool last = page->size() < options_.page_size;
    if (!page->empty()) after = page->back().seq;
    // Once read to the end, everything up to the max seq read first is delivered or expired.
    const std::int64_t confirmed = last ? std::max(*max_seq, after) : after;
    std::lock_guard lock(mu_);
    Publish(std::move(*page), confirmed, verified);
    if (last) return Ok();
  }
}

void RevocationFeedImpl::Publish(std::vector<RevocationEntry> entries, std::int64_t confirmed,
                                 std::int64_t verified_at_ms) {
  if (confirmed > cursor_) cursor_ = confirmed;
  verified_at_ms_ = std::max(verified_at_ms_, verified_at_ms);
  DropUnsubscribed();
  if (entries.empty()) return;
  const std::string encoded = encoder_->Entries(entries);
  ++delivered_;
  for (auto& [id, s] : subscriptions_) {
    if (s.cursor >= entries.back().seq) continue;  // resumed ahead of this batch
    bool ok = true;
    if (s.cursor >= entries.front().seq) {  // rare: part of the batch is behind its cursor
      auto first =
          std::upper_bound(entries.begin(), entries.end(), s.cursor,
                           [](std::int64_t c, const RevocationEntry& e) { return c < e.seq; });
      ok = s.subscriber->Deliver(encoder_->Entries(std::span(&*first, entries.end() - first)));
    } else {
      ok = s.subscriber->Deliver(encoded);
    }
    s.cursor = entries.back().seq;
    if (!ok) refused_.push_back(id);
  }
  DropRefused();
  for (auto& e : entries) replay_.push_back(std::move(e));
  while (replay_.size() > options_.replay_entries) {
    replay_from_ = replay_.front().seq;
    replay_.pop_front();
  }
}

void RevocationFeedImpl::SendPositions() {
  std::lock_guard lock(mu_);
  DropUnsubscribed();
  FeedPosition p{cursor_, verified_at_ms_, WallMillis()};
  const std::string encoded = encoder_->Position(p);
  for (auto& [id, s] : subscriptions_) {
    // Only a follower that has everything up to cursor_ may be told it is current.
    if (s.cursor < cursor_) s.cursor = cursor_;
    if (!s.subscriber->Deliver(encoded)) refused_.push_back(id);
  }
  DropRefused();
}

void RevocationFeedImpl::DropRefused() {
  for (std::uint64_t id : refused_) {
    if (subscriptions_.erase(id) > 0) ++dropped_;
  }
  refused_.clear();
}

Result<std::uint64_t> RevocationFeedImpl::Subscribe(std::optional<std::int64_t> after,
                                                    std::shared_ptr<FeedSubscriber> subscriber) {
  std::lock_guard lock(mu_);
  if (!started_) {
    return Error(Code::kUnavailable, Reason::kStoreUnavailable, "revocation feed not started");
  }
  DropUnsubscribed();
  if (subscriptions_.size() >= options_.max_subscribers) {
    return Error(Code::kResourceExhausted, Reason::kNone, "too many revocation streams");
  }
  const std::int64_t from = after.value_or(cursor_);
  if (from < replay_from_) {
    return Error(Code::kAborted, Reason::kFeedBehind,
                 "the cursor lies before the replay window: re-page the log");
  }
  Subscription s{std::move(subscriber), from};
  // The window's entries after the cursor, then its position, before anything newer.
  auto first = std::upper_bound(replay_.begin(), replay_.end(), from,
                                [](std::int64_t c, const RevocationEntry& e) { return c < e.seq; });
  if (first != replay_.end()) {
    const std::vector<RevocationEntry> missed(first, replay_.end());
    if (!s.subscriber->Deliver(encoder_->Entries(missed))) {
      return Error(Code::kUnavailable, Reason::kNone, "the subscriber refused the replay");
    }
    s.cursor = missed.back().seq;
  }
  if (s.cursor <= cursor_) {
    s.cursor = cursor_;
    (void)s.subscriber->Deliver(encoder_->Position({cursor_, verified_at_ms_, WallMillis()}));
  }
  const std::uint64_t id = next_id_++;
  subscriptions_.emplace(id, std::move(s));
  return id;
}

void RevocationFeedImpl::Unsubscribe(std::uint64_t id) {
  // Not under mu_: a subscriber may unsubscribe from inside its own Deliver (which runs with mu_
  // held, e.g. when its connection ends as a push overflows). Taken out by DropUnsubscribed.
  std::lock_guard lock(unsubscribe_mu_);
  unsubscribed_.push_back(id);
}

void RevocationFeedImpl::DropUnsubscribed() {
  std::vector<std::uint64_t> ids;
  {
    std::lock_guard lock(unsubscribe_mu_);
    ids.swap(unsubscribed_);
  }
  for (std::uint64_t id : ids) subscriptions_.erase(id);
}

FeedPosition RevocationFeedImpl::position() const {
  std::lock_guard lock(mu_);
  return {cursor_, verified_at_ms_, WallMillis()};
}

FeedStats RevocationFeedImpl::stats() const {
  std::lock_guard lock(mu_);
  FeedStats s;
  s.subscribers = subscriptions_.size();
  s.replay_entries = replay_.size();
  s.replay_from = replay_from_;
  s.position = {cursor_, verified_at_ms_, WallMillis()};
  s.delivered_batches = delivered_;
  s.dropped = dropped_;
  s.read_failures = read_failures_;
  return s;
}

}  // namespace

Result<std::unique_ptr<RevocationFeed>> RevocationFeed::Create(RevocationFeedOptions options,
                                                               RevocationLog* log,
                                                               const FeedEncoder* encoder,
                                                               const Clock* clock) {
  if (log == nullptr || encoder == nullptr || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "revocation feed needs a log, an encoder and a clock");
  }
  if (options.heartbeat_ms <= 0 || options.page_size == 0 || options.max_subscribers == 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "revocation feed: heartbeat, page size and subscriber limit must be > 0");
  }
  return std::unique_ptr<RevocationFeed>(
      std::make_unique<RevocationFeedImpl>(options, log, encoder, clock));
}

}  // namespace jwtd::auth
