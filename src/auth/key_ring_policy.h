// The rotation policy of the KeyRing as pure functions over the manifest records, so that the
// timeline (next -> active -> retiring -> removed; revoked) is decided in one place.
// Internal to src/auth; not thread-safe by itself (the KeyRing holds its mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "auth/key_ring_directory.h"
#include "jwtd/result.h"

namespace jwtd::auth::keyring {

// Makes (and durably stores) a fresh key; the policy fills in its state and times.
using NewKeyFn = std::function<Result<StoredKey>()>;

// The earliest time at which Step() would change something (INT64_MAX: never).
std::int64_t NextDeadline(const std::vector<KeyInfo>& keys, const KeyRingOptions& options);

// Applies every transition due at `now`: promotes the next key once its activation time has
// come (or at once when nothing signs), creates the next key publish_ahead before the active
// one's rotation time, removes retiring keys and revoked records past removes_at. Returns
// whether anything changed; `removed` receives the records that left the manifest.
Result<bool> Step(std::vector<StoredKey>* keys, std::int64_t now, const KeyRingOptions& options,
                  const NewKeyFn& new_key, std::vector<KeyInfo>* removed);

// Makes the next key (created if absent) the signer now. Returns its record.
Result<KeyInfo> RotateNow(std::vector<StoredKey>* keys, std::int64_t now,
                          const KeyRingOptions& options, const NewKeyFn& new_key);

// Marks `kid` revoked now (its material is to be deleted). kNotFound for an unknown kid,
// kInvalidArgument when it is the only key able to sign. Returns false if already revoked.
Result<bool> RevokeNow(std::vector<StoredKey>* keys, std::string_view kid, std::int64_t now,
                       const KeyRingOptions& options);

}  // namespace jwtd::auth::keyring
