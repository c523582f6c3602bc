// Revocation sync wiring: every node gets one RevocationSync over its view and the store's
// revocation log (jwtd/auth/revocation_sync.h). With bus.url it is fed by a Redis bus (which also
// publishes this node's revocations and heartbeats); without, it polls the log. The same
// staleness bound and stale mode apply in both.
#pragma once

#include <memory>

#include "app/config.h"
#include "app/feed_follower.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_feed.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/result.h"
#include "jwtd/store/redis_bus.h"

namespace jwtd::app {

struct SyncParts {
  std::unique_ptr<auth::RevocationSync> sync;  // always set
  // The revocation feed for followers (not started: Serve starts it), woken by the sync on every
  // local commit and bus entry. Always set.
  std::unique_ptr<auth::RevocationFeed> feed;
  std::unique_ptr<store::RedisBus> bus;  // null without a bus; stop it before `sync`
  // With verifier.feed_url: the other node's stream as this node's bus (not started: Serve
  // starts it). Declared last, so it stops first.
  std::unique_ptr<FeedFollower> follower;
};

// `store` and `view` must outlive the parts. kInvalidArgument for bad options. Does not wait for
// Redis: a bus node starts stale and catches up once subscribed. The sync's poller is not
// started (Serve starts it; one-shot CLI commands need none).
Result<SyncParts> OpenRevocationSync(const Config& config, auth::Store* store,
                                     auth::RevocationView* view);

}  // namespace jwtd::app
