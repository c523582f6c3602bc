// RedisBus: a publisher thread (bounded queue + heartbeats) and a subscriber thread feeding a
// RevocationSync, each with its own hiredis connection (see jwtd/store/redis_bus.h).
#include "jwtd/store/redis_bus.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "jwtd/random.h"
#include "store/redis/bus_codec.h"
#include "store/redis/redis_connection.h"

namespace jwtd::store {
namespace {

using redis::RedisConnection;

constexpr int kPollSliceMs = 50;  // how often a blocked subscriber notices Stop()
// Forged or foreign messages are logged at most this often (a flood must not flood the log).
constexpr std::int64_t kRejectLogIntervalMs = 10'000;

void Add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) {
  c.fetch_add(n, std::memory_order_relaxed);
}

std::int64_t MonotonicMs(const Clock* clock) { return clock->MonotonicNanos() / 1'000'000; }

class RedisBusImpl final : public RedisBus {
 public:
  RedisBusImpl(RedisBusOptions options, redis::RedisAddress address, auth::RevocationSync* sink,
               HeartbeatSource source, const Clock* clock)
      : options_(std::move(options)),
        address_(std::move(address)),
        sink_(sink),
        source_(std::move(source)),
        clock_(clock) {
    publisher_ = std::thread([this] { PublisherLoop(); });
    if (sink_ != nullptr) subscriber_ = std::thread([this] { SubscriberLoop(); });
  }
  ~RedisBusImpl() override { Stop(); }

  void Publish(const auth::RevocationEntry& entry) override;
  RedisBusStats Stats() const override;
  void Stop() override;

 private:
  // --- publisher thread ---
  void PublisherLoop();
  // Waits for work or the next heartbeat; the batch to publish (entries, maybe a heartbeat).
  std::vector<std::string> NextBatch(std::int64_t* next_heartbeat_ms);
  void PublishBatch(std::unique_ptr<RedisConnection>* conn, std::vector<std::string> batch);
  // --- subscriber thread ---
  void SubscriberLoop();
  Result<std::unique_ptr<RedisConnection>> Subscribe();
  // Reads and delivers messages until the connection breaks, goes silent or Stop().
  void Listen(RedisConnection& conn);
  bool Deliver(const redisReply& reply);
  // Counts a message that failed its MAC; logs (never its contents) once per interval.
  void Reject();
  // Sleeps (interruptibly) before the next attempt; false when stopping.
  bool Backoff(std::int64_t* delay_ms);
  bool stopping() const { return stop_.load(std::memory_order_acquire); }

  // Immutable after construction.
  const RedisBusOptions options_;
  const redis::RedisAddress address_;
  auth::RevocationSync* const sink_;
  const HeartbeatSource source_;
  const Clock* const clock_;

  // Own synchronisation.
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> published_{0}, dropped_{0}, received_{0}, malformed_{0}, rejected_{0},
      reconnects_{0};
  std::atomic<bool> subscribed_{false}, publisher_connected_{false};

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;  // bodies, unsealed; guarded by mu_; bounded by capacity

  std::thread publisher_, subscriber_;

  // Subscriber thread only.
  std::int64_t next_reject_log_ms_ = 0;
  std::uint64_t rejected_logged_ = 0;  // rejected_ as of the last log line
};

void RedisBusImpl::Publish(const auth::RevocationEntry& entry) {
  // Sealed on the publisher thread: Publish stays cheap on the request path.
  std::string body = redis::EntryBody(entry);
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.queue_capacity) {
      Add(dropped_);
      return;
    }
    queue_.push_back(std::move(body));
  }
  wake_.notify_one();
}

RedisBusStats RedisBusImpl::Stats() const {
  RedisBusStats s;
  s.published = published_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.received = received_.load(std::memory_order_relaxed);
  s.malformed = malformed_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.subscribed = subscribed_.load(std::memory_order_relaxed);
  s.publisher_connected = publisher_connected_.load(std::memory_order_relaxed);
  return s;
}

void RedisBusImpl::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  if (subscriber_.joinable()) subscriber_.join();
}

std::vector<std::string> RedisBusImpl::NextBatch(std::int64_t* next_heartbeat_ms) {
  const bool heartbeats = options_.heartbeat_interval_ms > 0 && source_;
  std::unique_lock lock(mu_);
  const auto wait = std::chrono::milliseconds(
      heartbeats ? std::max<std::int64_t>(0, *next_heartbeat_ms - MonotonicMs(clock_)) : 200);
  wake_.wait_for(lock, wait, [this] { return stopping() || !queue_.empty(); });
  std::vector<std::string> batch(std::make_move_iterator(queue_.begin()),
                                 std::make_move_iterator(queue_.end()));
  queue_.clear();
  lock.unlock();
  if (heartbeats && MonotonicMs(clock_) >= *next_heartbeat_ms) {
    *next_heartbeat_ms = MonotonicMs(clock_) + options_.heartbeat_interval_ms;
    // Read after the entries above were committed and queued: the heartbeat follows them on
    // the same connection, so a receiver sees the entries first. The time is taken before the
    // read: every seq committed before it is <= the max read, which is what "max_seq at
    // sent_at" promises a receiver.
    const std::int64_t sent_at_ms = clock_->NowMillis();
    if (auto max_seq = source_(); max_seq.ok()) {
      batch.push_back(redis::HeartbeatBody({*max_seq, sent_at_ms, options_.node_id}));
    }
  }
  return batch;
}

void RedisBusImpl::PublishBatch(std::unique_ptr<RedisConnection>* conn,
                                std::vector<std::string> batch) {
  if (batch.empty()) return;
  if (*conn == nullptr) {
    Add(dropped_, batch.size());  // peers catch up from the log
    return;
  }
  std::vector<std::vector<std::string>> commands;
  commands.reserve(batch.size());
  for (const std::string& body : batch) {
    commands.push_back({"PUBLISH", options_.channel, redis::Seal(body, options_.key)});
  }
  auto sent = (*conn)->Pipeline(commands);
  if (!sent.ok()) {
    Add(dropped_, batch.size());
    conn->reset();
    publisher_connected_.store(false, std::memory_order_relaxed);
    return;
  }
  Add(published_, *sent);
  Add(dropped_, batch.size() - *sent);
}

void RedisBusImpl::PublisherLoop() {
  std::unique_ptr<RedisConnection> conn;
  std::int64_t next_heartbeat_ms = MonotonicMs(clock_);
  std::int64_t next_connect_ms = 0;
  std::int64_t delay_ms = options_.reconnect_min_ms;
  while (!stopping()) {
    std::vector<std::string> batch = NextBatch(&next_heartbeat_ms);
    // Connect when there is something to send (heartbeats included, every interval), so the
    // first revocation after Redis comes back is not lost to a backoff timer.
    if (conn == nullptr && !batch.empty() && MonotonicMs(clock_) >= next_connect_ms) {
      auto opened =
          RedisConnection::Open(address_, options_.connect_timeout_ms, options_.command_timeout_ms);
      if (opened.ok()) {
        conn = std::move(*opened);
        delay_ms = options_.reconnect_min_ms;
      } else {
        next_connect_ms = MonotonicMs(clock_) + delay_ms;
        delay_ms = std::min(delay_ms * 2, options_.reconnect_max_ms);
      }
      publisher_connected_.store(conn != nullptr, std::memory_order_relaxed);
    }
    PublishBatch(&conn, std::move(batch));
  }
  // Stopping (e.g. a CLI command exiting right after a revocation): what is queued still goes.
  std::vector<std::string> rest;
  {
    std::lock_guard lock(mu_);
    rest.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
  }
  if (!rest.empty() && conn == nullptr) {
    auto opened =
        RedisConnection::Open(address_, options_.connect_timeout_ms, options_.command_timeout_ms);
    if (opened.ok()) conn = std::move(*opened);
  }
  PublishBatch(&conn, std::move(rest));
}

bool RedisBusImpl::Backoff(std::int64_t* delay_ms) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, std::chrono::milliseconds(*delay_ms), [this] { return stopping(); });
  *delay_ms = std::min(*delay_ms * 2, options_.reconnect_max_ms);
  return !stopping();
}

Result<std::unique_ptr<RedisConnection>> RedisBusImpl::Subscribe() {
  auto conn =
      RedisConnection::Open(address_, options_.connect_timeout_ms, options_.command_timeout_ms);
  if (!conn.ok()) return conn.error();
  JWTD_RETURN_IF_ERROR((*conn)->Send({"SUBSCRIBE", options_.channel}));
  // The confirmation, within the command timeout: only then is nothing published missed.
  const std::int64_t deadline = MonotonicMs(clock_) + options_.command_timeout_ms;
  while (MonotonicMs(clock_) < deadline) {
    auto reply = (*conn)->TakeBuffered();
    if (!reply.ok()) return reply.error();
    if (*reply != nullptr) {
      const redisReply& r = **reply;
      if (r.type == REDIS_REPLY_ARRAY && r.elements == 3 &&
          std::string_view(r.element[0]->str, r.element[0]->len) == "subscribe") {
        return std::move(*conn);
      }
      return Error(Code::kUnavailable, Reason::kStoreUnavailable, "redis: SUBSCRIBE refused");
    }
    auto read = (*conn)->ReadSome(kPollSliceMs);
    if (!read.ok()) return read.error();
  }
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, "redis: SUBSCRIBE timed out");
}

bool RedisBusImpl::Deliver(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 3) return true;  // e.g. PING's pong
  const redisReply* kind = reply.element[0];
  const redisReply* payload = reply.element[2];
  if (kind->type != REDIS_REPLY_STRING || std::string_view(kind->str, kind->len) != "message") {
    return true;
  }
  if (payload->type != REDIS_REPLY_STRING) {
    Add(malformed_);
    return true;
  }
  const redis::Decoded decoded =
      redis::DecodeMessage(std::string_view(payload->str, payload->len), options_.key);
  if (decoded.status == redis::DecodeStatus::kUnauthenticated) {
    Reject();
    return true;
  }
  if (decoded.status != redis::DecodeStatus::kOk) {
    Add(malformed_);
    return true;
  }
  Add(received_);
  if (auto* entry = std::get_if<auth::RevocationEntry>(&*decoded.message)) {
    sink_->OnEntry(*entry);
  } else {
    const auto& hb = std::get<redis::Heartbeat>(*decoded.message);
    sink_->OnHeartbeat(hb.max_seq, hb.sent_at_ms);
  }
  return true;
}

void RedisBusImpl::Reject() {
  Add(rejected_);
  sink_->OnRejected();
  const std::int64_t now = MonotonicMs(clock_);
  if (now < next_reject_log_ms_) return;
  next_reject_log_ms_ = now + kRejectLogIntervalMs;
  const std::uint64_t total = rejected_.load(std::memory_order_relaxed);
  // Neither the message nor the key: a count is what an operator can act on.
  spdlog::warn(
      "revocation bus: {} message(s) on channel {} failed authentication and were dropped "
      "(someone without the bus key publishes there)",
      total - rejected_logged_, options_.channel);
  rejected_logged_ = total;
}

void RedisBusImpl::Listen(RedisConnection& conn) {
  std::int64_t last_data_ms = MonotonicMs(clock_);
  bool probed = false;
  while (!stopping()) {
    auto reply = conn.TakeBuffered();
    if (!reply.ok()) return;
    if (*reply != nullptr) {
      Deliver(**reply);
      continue;
    }
    auto read = conn.ReadSome(kPollSliceMs);
    if (!read.ok()) return;
    const std::int64_t now = MonotonicMs(clock_);
    if (*read) {
      last_data_ms = now;
      probed = false;
      continue;
    }
    // Silence: heartbeats (ours included) should be flowing. A server that hangs without
    // closing the socket is found by a PING that goes unanswered.
    if (!probed && now - last_data_ms >= options_.idle_probe_ms) {
      if (!conn.Send({"PING"}).ok()) return;
      probed = true;
    } else if (probed &&
               now - last_data_ms >= options_.idle_probe_ms + options_.command_timeout_ms) {
      return;
    }
  }
}

void RedisBusImpl::SubscriberLoop() {
  std::int64_t delay_ms = options_.reconnect_min_ms;
  bool first = true;
  while (!stopping()) {
    auto conn = Subscribe();
    if (!conn.ok()) {
      if (!Backoff(&delay_ms)) break;
      continue;
    }
    if (!first) Add(reconnects_);
    first = false;
    delay_ms = options_.reconnect_min_ms;
    subscribed_.store(true, std::memory_order_relaxed);
    sink_->OnConnected();  // resyncs from the store's log
    Listen(**conn);
    subscribed_.store(false, std::memory_order_relaxed);
    sink_->OnDisconnected();
  }
}

}  // namespace

Result<std::unique_ptr<RedisBus>> OpenRedisBus(const RedisBusOptions& options,
                                               auth::RevocationSync* sink,
                                               HeartbeatSource heartbeat_source,
                                               const Clock* clock) {
  auto address = redis::ParseRedisUrl(options.url);
  if (!address.ok()) return address.error();
  if (clock == nullptr || options.channel.empty() || options.queue_capacity == 0 ||
      options.connect_timeout_ms <= 0 || options.command_timeout_ms <= 0 ||
      options.heartbeat_interval_ms < 0 || options.idle_probe_ms <= 0 ||
      options.reconnect_min_ms <= 0 || options.reconnect_max_ms < options.reconnect_min_ms) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "redis bus: invalid options");
  }
  if (options.key.size() < redis::kMinBusKeyBytes) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "redis bus: the bus key is missing or shorter than 32 bytes");
  }
  RedisBusOptions o = options;
  if (o.node_id.empty()) o.node_id = RandomToken(6);
  if (o.node_id.find(' ') != std::string::npos) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "redis bus: node id has a space");
  }
  return std::unique_ptr<RedisBus>(std::make_unique<RedisBusImpl>(
      std::move(o), std::move(*address), sink, std::move(heartbeat_source), clock));
}

}  // namespace jwtd::store
