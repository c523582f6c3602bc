// Limits shared by every store adapter, so one contract holds for all of them.
#pragma once

#include <cstddef>

namespace jwtd::store {

// The most rows one ListAudit / ListUsers / ReadRevocations call returns, whatever the caller
// asked for: every read is bounded.
inline constexpr std::size_t kMaxRowsPerRead = 10'000;

}  // namespace jwtd::store
