// Counters and gauges of the Shared Signals transmitter, shared by the poll endpoint, the push
// worker and GET /metrics. Thread-safety: relaxed atomics; a reader sees a momentary snapshot.
#pragma once

#include <atomic>
#include <cstdint>

namespace jwtd::auth {

struct SsfStats {
  std::atomic<std::uint64_t> delivered{0};  // SETs acknowledged (poll ack or push 202)
  std::atomic<std::uint64_t> failed{0};     // push attempts that failed
  // Refreshed by the push worker's scan of every stream (a few times a second).
  std::atomic<std::int64_t> queued{0};              // events not yet acknowledged, all streams
  std::atomic<std::int64_t> oldest_undelivered{0};  // seconds; 0 when nothing is queued
};

}  // namespace jwtd::auth
