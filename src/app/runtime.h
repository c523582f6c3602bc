// jwtd::app::Runtime — the concrete objects behind a configuration: the store named by
// store.url, the key ring in keys.dir and the token service over both. `jwtd serve` and the
// CLI commands that act on the same data (users, revoke, keys, migrate, audit) open one each, so
// they are safe to run while the server runs: every change goes through the store's
// transactions and the key directory's lock.
#pragma once

#include <memory>

#include "app/bus_wiring.h"
#include "app/config.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/result.h"

namespace jwtd::app {

struct Runtime {
  std::unique_ptr<auth::Store> store;
  std::unique_ptr<auth::KeyRing> keys;
  std::unique_ptr<auth::RevocationView> view;
  // The sync keeping `view` in step with the store's log (polling it, or fed by the Redis bus
  // with bus.url); declared after the view and the store, so they stop first.
  SyncParts sync;
  std::unique_ptr<auth::TokenService> tokens;
};

// "sqlite" or "postgres": the kind of store.url (for banners and the lab page).
std::string_view StoreKind(const Config& config);
// Opens the store (creating the data directory 0700 and applying migrations) — nothing else.
// With server.role = verifier: read-only, creating and migrating nothing.
Result<std::unique_ptr<auth::Store>> OpenStore(const Config& config);
// Opens store, key ring (first key generated on first start; a verifier's read-only: it generates
// nothing), revocation view and sync (not started) and token service.
Result<Runtime> OpenRuntime(const Config& config);

}  // namespace jwtd::app
