#include "jwtd/store/redis_replay_ledger.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <vector>

#include "redis_connection.h"

namespace jwtd::store {
namespace {

using SteadyClock = std::chrono::steady_clock;
using redis::RedisConnection;

Error Unavailable(std::string what) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable,
               "dpop replay ledger: " + std::move(what));
}

class Ledger final : public RedisReplayLedger {
 public:
  Ledger(RedisReplayLedgerOptions options, redis::RedisAddress address)
      : options_(std::move(options)), address_(std::move(address)) {}

  Result<bool> Claim(std::string_view key, std::int64_t ttl_seconds) override {
    auto conn = Acquire();
    if (!conn.ok()) return Failed(conn.error());
    std::string name = options_.prefix;
    name.append(key);
    auto reply = (*conn)->Command({"SET", name, "1", "NX", "PX",
                                   std::to_string(std::max<std::int64_t>(1, ttl_seconds) * 1000)});
    if (!reply.ok()) {
      Release(nullptr);  // broken: dropped
      return Failed(reply.error());
    }
    Release(std::move(*conn));
    switch ((*reply)->type) {
      case REDIS_REPLY_STATUS:  // +OK: the key was not there
        claimed_.fetch_add(1, std::memory_order_relaxed);
        return true;
      case REDIS_REPLY_NIL:  // NX refused: another claim recorded it first
        seen_.fetch_add(1, std::memory_order_relaxed);
        return false;
      default:  // an error reply (NOAUTH, READONLY replica, OOM): no record was made
        return Failed(Unavailable("redis refused the claim"));
    }
  }

  RedisReplayLedgerStats Stats() const override {
    return {claimed_.load(std::memory_order_relaxed), seen_.load(std::memory_order_relaxed),
            failures_.load(std::memory_order_relaxed)};
  }

 private:
  // An idle connection, or a new one while fewer than max_connections are open; else waits for
  // one up to the command timeout.
  Result<std::unique_ptr<RedisConnection>> Acquire() {
    std::unique_lock lock(mu_);
    const auto deadline =
        SteadyClock::now() + std::chrono::milliseconds(options_.command_timeout_ms);
    for (;;) {
      if (SteadyClock::now() < down_until_) return Unavailable("redis is unreachable");
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      if (open_ < options_.max_connections) break;
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) {
        return Unavailable("every connection is busy");
      }
    }
    ++open_;
    lock.unlock();
    auto conn =
        RedisConnection::Open(address_, options_.connect_timeout_ms, options_.command_timeout_ms);
    if (conn.ok()) return conn;
    lock.lock();
    --open_;
    down_until_ = SteadyClock::now() + std::chrono::milliseconds(options_.retry_after_failure_ms);
    freed_.notify_one();
    return conn.error();
  }

  // Returns a connection for reuse; null: it broke and is closed.
  void Release(std::unique_ptr<RedisConnection> conn) {
    std::lock_guard lock(mu_);
    if (conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    freed_.notify_one();
  }

  Error Failed(const Error& error) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    // At most one line a second: a Redis outage refuses every DPoP request, and the log must
    // say why without repeating it thousands of times. The message names no key.
    const auto now = SteadyClock::now().time_since_epoch().count();
    auto last = last_log_.load(std::memory_order_relaxed);
    if (now - last > std::chrono::nanoseconds(std::chrono::seconds(1)).count() &&
        last_log_.compare_exchange_strong(last, now)) {
      spdlog::warn("DPoP proofs refused: {}", error.message());
    }
    return error;
  }

  const RedisReplayLedgerOptions options_;
  const redis::RedisAddress address_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;  // guarded by mu_
  std::size_t open_ = 0;                                // guarded by mu_; idle and in use
  SteadyClock::time_point down_until_{};                // guarded by mu_
  std::atomic<std::uint64_t> claimed_{0}, seen_{0}, failures_{0};
  std::atomic<SteadyClock::rep> last_log_{0};
};

}  // namespace

Result<std::unique_ptr<RedisReplayLedger>> OpenRedisReplayLedger(
    const RedisReplayLedgerOptions& options) {
  auto address = redis::ParseRedisUrl(options.url);
  if (!address.ok()) return address.error();
  if (options.prefix.empty() || options.max_connections == 0 || options.connect_timeout_ms <= 0 ||
      options.command_timeout_ms <= 0 || options.retry_after_failure_ms < 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "dpop replay ledger: a key prefix, at least one connection and positive timeouts");
  }
  return std::unique_ptr<RedisReplayLedger>(new Ledger(options, std::move(*address)));
}

}  // namespace jwtd::store
