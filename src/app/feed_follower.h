// jwtd::app::FeedFollower — the revocation stream of another node (verifier.feed_url) as the
// bus of this verifier's RevocationSync (jwtd/auth/revocation_sync.h): the same inputs a Redis
// bus gives, so the one sync path decides freshness, gaps and catch-ups, and the catch-ups page
// that node's log (app/remote_store.h).
//
// One thread runs: connect, GET /v1/revocations/stream with Last-Event-ID = the sync's
// contiguous cursor, then
//   - 200: OnConnected() (the sync pages the log from its durable cursor, so nothing the stream
//     missed is skipped), then every `revocation` event -> OnEntry, every `heartbeat` ->
//     OnHeartbeat(current_seq, sent at now minus the node's own lag: server_time_ms -
//     verified_at_ms, so no clock agreement is needed);
//   - `repage`, the stream's end, an error, or no byte within `idle_timeout` (heartbeats come
//     every 100 ms): OnDisconnected() (the view is stale until the next connection's catch-up)
//     and a reconnect after a backoff (retry_min doubling to retry_max);
//   - heartbeats whose current_seq stays below the cursor for the staleness bound (a moment
//     below is the node's feed reader lagging a page read; such a heartbeat verifies nothing):
//     the node serves another log. The follower stops (the view stays stale: fail closed) and
//     says so; restart the verifier.
//
// Thread-safety: Start/Stop from one thread (serve); the sync is called on the follower's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "app/feed_http.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/clock.h"

namespace jwtd::app {

struct FeedFollowerOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds idle_timeout{1000};  // the staleness bound
  std::chrono::milliseconds retry_min{50};
  std::chrono::milliseconds retry_max{1000};
  std::size_t max_event_bytes = 64 * 1024;  // one event; longer: the stream is dropped
};

class FeedFollower {
 public:
  // `sync` and `clock` must outlive the follower.
  FeedFollower(FeedOrigin origin, FeedFollowerOptions options, auth::RevocationSync* sync,
               const Clock* clock);
  ~FeedFollower();  // stops and joins
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;

  void Start();
  void Stop();

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace jwtd::app
