// The one refresh-token lookup: find the record by the token's hash, compare in constant time,
// take the session (locked, in a write transaction) and re-read the record under that lock — a
// concurrent rotation may have committed between the first read and the lock. Every flow that
// starts from a refresh token (rotation, logout by refresh token, RFC 7009 revoke,
// introspection) starts here.
#pragma once

#include <optional>
#include <string_view>

#include "jwtd/auth/model.h"
#include "jwtd/auth/ports.h"
#include "jwtd/result.h"

namespace jwtd::auth {

struct RefreshFamily {
  RefreshRecord record;  // as it stands under the session's lock
  Session session;
};

// In a write transaction: the session stays locked until commit. nullopt: not one of ours (no
// such hash, or its session is gone).
Result<std::optional<RefreshFamily>> LockRefreshFamily(StoreTx& tx, std::string_view token_hash);
// In a read-only snapshot (introspection): nothing locked.
Result<std::optional<RefreshFamily>> ReadRefreshFamily(StoreReadTx& tx,
                                                       std::string_view token_hash);

}  // namespace jwtd::auth
