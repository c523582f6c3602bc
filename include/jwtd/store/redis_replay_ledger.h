// jwtd::store::OpenRedisReplayLedger — the DPoP proofs accepted by any node of a deployment
// (auth::DpopReplayLedger), on the Redis the nodes already share for the revocation bus: one
// `SET <prefix><key> 1 NX PX <ttl>` per proof, atomic on the Redis server, so of two nodes
// given the same proof exactly one is told it is the first.
//
// Unlike the bus, whose messages are authenticated and whose loss costs only latency, the
// ledger trusts Redis: whoever can write to it can forget a key (and let a replay through) or
// plant one (and refuse a proof). The keys name only a digest of (jkt, jti).
//
// When Redis cannot be reached, Claim fails (kUnavailable) and the request is refused: a proof
// is never accepted unrecorded. After a failed connect or a claim without an answer (a hung
// Redis), claims fail at once for retry_after_failure_ms instead of each waiting for its own
// timeout; a claim waits at most 100 ms for a connection when max_connections are in use. A
// connection that timed out is closed (a late reply is never read as another claim's); an idle
// one Redis closed is dropped before use. The URL's /db is SELECTed (the bus ignores it).
//
// Thread-safety: Claim is thread-safe; up to max_connections claims run at once, each on its
// own connection (opened on demand, kept for reuse, dropped when broken).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jwtd/auth/dpop_guard.h"
#include "jwtd/result.h"

namespace jwtd::store {

struct RedisReplayLedgerOptions {
  std::string url;                    // redis://[:password@]host[:port][/db]
  std::string prefix = "jwtd:dpop:";  // the namespace of the ledger's keys
  std::int64_t connect_timeout_ms = 1000;
  std::int64_t command_timeout_ms = 1000;
  std::size_t max_connections = 8;  // claims beyond these wait for one (at most 100 ms)
  std::int64_t retry_after_failure_ms = 250;
};

struct RedisReplayLedgerStats {
  std::uint64_t claimed = 0;   // first uses recorded
  std::uint64_t seen = 0;      // proofs another claim recorded first
  std::uint64_t failures = 0;  // claims Redis did not answer
};

class RedisReplayLedger : public auth::DpopReplayLedger {
 public:
  ~RedisReplayLedger() override = default;
  virtual RedisReplayLedgerStats Stats() const = 0;
};

// Validates the options; connects on the first claim (a node starts while Redis is down).
// kInvalidArgument for a bad URL, an empty prefix or no connections.
Result<std::unique_ptr<RedisReplayLedger>> OpenRedisReplayLedger(
    const RedisReplayLedgerOptions& options);

}  // namespace jwtd::store
