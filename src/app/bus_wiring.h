// Multi-node wiring: when bus.url is set, a RevocationSync over the node's view and store and a
// Redis bus feeding it (and publishing this node's revocations and heartbeats). Empty bus.url:
// nothing is created and the node runs alone, as before.
#pragma once

#include <memory>

#include "app/config.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/result.h"
#include "jwtd/store/redis_bus.h"

namespace jwtd::app {

struct BusParts {
  std::unique_ptr<auth::RevocationSync> sync;  // null without a bus
  std::unique_ptr<store::RedisBus> bus;        // null without a bus; stop it before `sync`
};

// `store` and `view` must outlive the parts. kInvalidArgument for bad bus options. Does not
// wait for Redis: the node starts stale and catches up once subscribed.
Result<BusParts> OpenBus(const Config& config, auth::Store* store, auth::RevocationView* view);

}  // namespace jwtd::app
