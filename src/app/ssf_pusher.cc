#include "app/ssf_pusher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <vector>

#include "app/ssf_push_client.h"
#include "jwtd/auth/ssf_set.h"

namespace jwtd::app {
namespace {

constexpr std::size_t kBatch = 64;  // events read per outbox visit of one stream
constexpr std::chrono::milliseconds kFirstRetry{100};
// Acknowledged ids fold into the stream's watermark once no smaller id can still commit
// (auth::SsfTx::Acknowledge); a write transaction lasts far less.
constexpr std::int64_t kSettleSeconds = 30;

}  // namespace

class SsfPusher::Sender {
 public:
  Sender(SsfPusher* owner, std::string stream_id)
      : owner_(owner),
        stream_id_(std::move(stream_id)),
        client_(owner->options_.timeout),
        thread_([this] { Run(); }) {}

  ~Sender() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  // Sleeps up to `d`; false when asked to stop.
  bool Wait(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !wake_.wait_for(lock, d, [this] { return stop_; });
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stop_;
  }

  void Run() {
    std::chrono::milliseconds backoff{0};
    while (!stopping()) {
      if (backoff.count() > 0 && !Wait(backoff)) return;
      auto step = Step();
      if (step == StepResult::kIdle) {
        backoff = std::chrono::milliseconds(0);
        if (!Wait(owner_->options_.idle_recheck)) return;
      } else if (step == StepResult::kProgress) {
        backoff = std::chrono::milliseconds(0);
      } else {
        backoff =
            std::min(owner_->options_.retry_max, backoff.count() == 0 ? kFirstRetry : backoff * 2);
      }
    }
  }

  enum class StepResult { kIdle, kProgress, kFailed };

  // One visit: read the stream and its queued events, push them in order, acknowledge what the
  // receiver took. Stops at the first failure so the order of SETs is kept.
  StepResult Step() {
    auth::SsfStream stream;
    std::vector<auth::SecurityEvent> events;
    auto read = owner_->store_->Read([&](auth::StoreReadTx& tx) -> Result<void> {
      events.clear();
      auth::SsfTx* ssf = tx.ssf();
      if (ssf == nullptr) return Ok();
      auto found = ssf->FindStream(stream_id_);
      if (!found.ok()) return found.error();
      if (!found->has_value()) return Ok();
      stream = **found;
      if (stream.delivery_method != auth::kSsfPushMethod || stream.status != "enabled") {
        return Ok();
      }
      auto pending = ssf->Pending(stream, kBatch);
      if (!pending.ok()) return pending.error();
      events = std::move(*pending);
      return Ok();
    });
    if (!read.ok()) {
      spdlog::warn("ssf: stream {}: cannot read the outbox: {}", stream_id_,
                   read.error().message());
      return StepResult::kFailed;
    }
    if (events.empty()) return StepResult::kIdle;
    std::vector<std::int64_t> done;
    std::string failure;
    const auto signer = owner_->keys_->signer();
    for (const auto& event : events) {
      if (stopping()) break;
      auto set = auth::SignSsfSet(*signer, event, stream, owner_->options_.issuer,
                                  owner_->clock_->NowSeconds());
      if (!set.ok()) {
        failure = "cannot sign: " + set.error().message();
        break;
      }
      PushResult pushed = client_.Push(stream.endpoint_url, *set);
      if (pushed.outcome == PushOutcome::kAccepted) {
        done.push_back(event.id);
        continue;
      }
      owner_->stats_->failed.fetch_add(1, std::memory_order_relaxed);
      if (pushed.outcome == PushOutcome::kRejected) {
        // RFC 8935 §2.3: the receiver refused this SET; sending it again would only block the
        // stream behind it. It is logged and counted, and the stream goes on.
        spdlog::warn("ssf: stream {}: receiver rejected SET {} ({})", stream_id_,
                     auth::SsfJti(stream_id_, event.id), pushed.error);
        done.push_back(event.id);
        continue;
      }
      failure = pushed.error;
      break;
    }
    auto written = owner_->store_->Transact([&](auth::StoreTx& tx) -> Result<void> {
      auth::SsfTx* ssf = tx.ssf();
      if (ssf == nullptr) return Ok();
      if (!done.empty()) {
        auto acked =
            ssf->Acknowledge(stream_id_, done, owner_->clock_->NowSeconds() - kSettleSeconds);
        if (!acked.ok() && acked.error().code() != Code::kNotFound) return acked.error();
        if (acked.ok()) {
          owner_->stats_->delivered.fetch_add(static_cast<std::uint64_t>(*acked),
                                              std::memory_order_relaxed);
        }
      }
      if (!failure.empty()) return ssf->RecordFailure(stream_id_, failure);
      return Ok();
    });
    if (!written.ok()) {
      // Not acknowledged: those SETs go out again (at least once).
      spdlog::warn("ssf: stream {}: cannot record delivery: {}", stream_id_,
                   written.error().message());
      return StepResult::kFailed;
    }
    if (!failure.empty()) {
      spdlog::info("ssf: stream {}: push failed, will retry: {}", stream_id_, failure);
      return StepResult::kFailed;
    }
    return StepResult::kProgress;
  }

  SsfPusher* const owner_;
  const std::string stream_id_;
  SsfPushClient client_;  // the sender thread's only; keeps the receiver's connection open
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;   // guarded by mu_
  std::thread thread_;  // last: starts once the rest is built
};

SsfPusher::SsfPusher(SsfPushOptions options, auth::Store* store, const auth::KeyRing* keys,
                     const Clock* clock, auth::SsfStats* stats)
    : options_(std::move(options)), store_(store), keys_(keys), clock_(clock), stats_(stats) {}

SsfPusher::~SsfPusher() { Stop(); }

void SsfPusher::Start() {
  scanner_ = std::thread([this] { ScanLoop(); });
}

void SsfPusher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (scanner_.joinable()) scanner_.join();
  senders_.clear();  // each joins its thread
}

void SsfPusher::ScanLoop() {
  for (;;) {
    Scan();
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, options_.scan_every, [this] { return stopping_; })) return;
  }
}

void SsfPusher::Scan() {
  std::set<std::string> push;
  std::int64_t queued = 0;
  std::int64_t oldest_at = 0;
  auto read = store_->Read([&](auth::StoreReadTx& tx) -> Result<void> {
    push.clear();
    queued = oldest_at = 0;
    auth::SsfTx* ssf = tx.ssf();
    if (ssf == nullptr) return Ok();
    auto streams = ssf->ListStreams();
    if (!streams.ok()) return streams.error();
    for (const auto& s : *streams) {
      if (s.delivery_method == auth::kSsfPushMethod) push.insert(s.id);
      if (s.status == "disabled") continue;  // it holds nothing
      auto backlog = ssf->Backlog(s);
      if (!backlog.ok()) return backlog.error();
      queued += backlog->queued;
      if (backlog->oldest_at > 0 && (oldest_at == 0 || backlog->oldest_at < oldest_at)) {
        oldest_at = backlog->oldest_at;
      }
    }
    return Ok();
  });
  if (!read.ok()) {
    spdlog::warn("ssf: cannot list the streams: {}", read.error().message());
    return;
  }
  stats_->queued.store(queued, std::memory_order_relaxed);
  stats_->oldest_undelivered.store(
      oldest_at == 0 ? 0 : std::max<std::int64_t>(0, clock_->NowSeconds() - oldest_at),
      std::memory_order_relaxed);
  for (auto it = senders_.begin(); it != senders_.end();) {
    it = push.count(it->first) == 0 ? senders_.erase(it) : std::next(it);
  }
  for (const auto& id : push) {
    if (senders_.count(id) == 0) senders_.emplace(id, std::make_unique<Sender>(this, id));
  }
}

}  // namespace jwtd::app
