// jwtd::auth::RevocationBus — fans revocation-log entries out to other nodes (Redis pub/sub in
// src/store/redis). Publishing happens after the entry is durable; a lost publish costs other
// nodes latency, never correctness: they catch up from the store's log by seq.
// Thread-safe.
#pragma once

#include "jwtd/auth/model.h"

namespace jwtd::auth {

class RevocationBus {
 public:
  virtual ~RevocationBus() = default;
  // Best effort, non-blocking; never fails the revoking request.
  virtual void Publish(const RevocationEntry& entry) = 0;
};

}  // namespace jwtd::auth
