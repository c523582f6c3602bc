// Limits shared by every store adapter, so one contract holds for all of them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace jwtd::store {

// The most rows one ListAudit / ListUsers / ReadRevocations call returns, whatever the caller
// asked for: every read is bounded.
inline constexpr std::size_t kMaxRowsPerRead = 10'000;

// The most audit rows one slice of Store::SweepAudit deletes, in its own write transaction:
// writers wait for one slice at most (tens of milliseconds), never for a whole backlog.
inline constexpr std::int64_t kAuditSweepSlice = 20'000;
// The same bound for the slices of Store::SweepDeliveredEvents.
inline constexpr std::int64_t kEventSweepSlice = 20'000;

}  // namespace jwtd::store
