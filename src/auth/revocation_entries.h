// Named constructors of revocation-log entries: every revoking flow builds its entries here, so
// the meaning of each kind's key, value and expiry is written down once (model.h RevocationKind).
// created_at is the revoking request's time; seq is assigned by the store on append.
#pragma once

#include <cstdint>
#include <string_view>

#include "jwtd/auth/model.h"

namespace jwtd::auth {

// One access token refused by its jti until `until` (its exp + leeway).
RevocationEntry JtiDenial(std::string_view jti, std::int64_t until, std::int64_t now);
// Every access token of session `sid` refused until `until` (DenyHorizon: the last token the
// session could have been issued expires by then).
RevocationEntry SessionDenial(std::string_view sid, std::int64_t until, std::int64_t now);
// Access tokens of `user_id` with ver < `min_version` refused until `until`.
RevocationEntry VersionFloor(std::int64_t user_id, std::int64_t min_version, std::int64_t until,
                             std::int64_t now);
// Every token signed with key `kid` refused until `until` (long after any token it signed).
RevocationEntry KeyDenial(std::string_view kid, std::int64_t until, std::int64_t now);

}  // namespace jwtd::auth
