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

// How long a claim waits for a connection when max_connections are in use.
constexpr auto kBusyWait = std::chrono::milliseconds(100);

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
      // Broken or timed out: dropped (a late reply must never be read as the next claim's), and
      // the next claims fail at once for a while rather than each waiting out a hung Redis.
      Release(nullptr, /*failed=*/true);
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
  // An idle connection still open, or a new one while fewer than max_connections are open; else
  // waits for one, briefly: with a healthy Redis a claim holds a connection for a round trip.
  Result<std::unique_ptr<RedisConnection>> Acquire() {
    std::unique_lock lock(mu_);
    const auto deadline = SteadyClock::now() + kBusyWait;
    for (;;) {
      if (SteadyClock::now() < down_until_) return Unavailable("redis is unreachable");
      while (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        // Closed by Redis since (a restart, an idle timeout): readable with nothing asked.
        if (!conn->Readable()) return conn;
        --open_;
      }
      if (open_ < options_.max_connections) break;
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) {
        return Unavailable("every connection is busy");
      }
    }
    ++open_;
    lock.unlock();
    std::unique_ptr<RedisConnection> conn;
    auto opened =
        RedisConnection::Open(address_, options_.connect_timeout_ms, options_.command_timeout_ms);
    Result<void> selected = Ok();
    if (opened.ok()) {
      conn = std::move(*opened);
      selected = Select(*conn);
      if (selected.ok()) return conn;
    }
    Release(nullptr, /*failed=*/true);
    return opened.ok() ? selected.error() : opened.error();
  }

  // The URL's database: the bus ignores it (pub/sub has none), the ledger's keys live in it.
  Result<void> Select(RedisConnection& conn) const {
    if (address_.db == 0) return Ok();
    auto ok = conn.Pipeline({{"SELECT", std::to_string(address_.db)}});
    if (!ok.ok()) return ok.error();
    if (*ok != 1) return Unavailable("SELECT " + std::to_string(address_.db) + " refused");
    return Ok();
  }

  // Returns a connection for reuse; null: it broke and is closed. `failed`: Redis did not answer,
  // so claims fail at once for retry_after_failure_ms, waiters included.
  void Release(std::unique_ptr<RedisConnection> conn, bool failed = false) {
    std::lock_guard lock(mu_);
    if (conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    if (failed) {
      down_until_ = SteadyClock::now() + std::chrono::milliseconds(options_.retry_after_failure_ms);
      freed_.notify_all();
    } else {
      freed_.notify_one();
    }
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
