// jwtd::store::OpenRedisBus — the revocation bus on Redis pub/sub (hiredis): fans every
// committed revocation-log entry out to every node, with a heartbeat that bounds staleness.
//
// One channel (default "jwtd:revocations") carries two compact text messages:
//   "<mac> E <seq> <kind> <value> <expires_at> <created_at> <key>"   a revocation-log entry
//   "<mac> H <max_seq> <sent_at_ms> <node_id>"                       a heartbeat
// <mac> is HMAC-SHA256 under the deployment's bus key (Store::BusKey, created by the schema
// migration, so every node of one store shares it). A message whose MAC does not verify is
// dropped, counted (Stats().rejected, RevocationSync::OnRejected) and logged at most once per
// 10 s without its contents: whoever can only PUBLISH on Redis cannot forge entries or
// heartbeats.
// Every node publishes a heartbeat each heartbeat_interval_ms naming the store's current max seq
// (from `heartbeat_source`, normally Store::MaxRevocationSeq): a receiver that has applied that
// seq knows its view was current then. No heartbeat goes out when the store cannot be read, so
// silence never passes for freshness.
//
// Threads: a publisher thread with its own connection drains a bounded queue (Publish never
// blocks; when the queue is full or Redis is down the message is dropped and counted — a lost
// message costs latency on other nodes, never correctness: they catch up from the store's log)
// and sends the heartbeats. A subscriber thread with another connection SUBSCRIBEs and feeds
// the RevocationSync: OnConnected() after every (re)subscription (the sync then resyncs from the
// store), OnDisconnected() when the connection drops or stops answering, OnEntry/OnHeartbeat per
// message. Reconnects back off exponentially. Every connect and command has a timeout.
//
// Thread-safety: Publish() and Stats() are thread-safe. The bus stops (and joins its threads)
// in Stop() or its destructor; the sink and the heartbeat source must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "jwtd/auth/revocation_bus.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"

namespace jwtd::store {

struct RedisBusOptions {
  std::string url;  // redis://[:password@]host[:port][/db]; the db is irrelevant to pub/sub
  std::string channel = "jwtd:revocations";
  // The HMAC key of every message (at least 32 bytes; never logged). Required.
  std::string key;
  std::string node_id;                       // names this node in heartbeats; empty: random
  std::int64_t heartbeat_interval_ms = 100;  // 0: this node sends none
  std::int64_t connect_timeout_ms = 1000;
  std::int64_t command_timeout_ms = 1000;
  // A subscription silent this long is probed with PING; no answer within command_timeout_ms
  // counts as a disconnect (a hung server does not close the socket).
  std::int64_t idle_probe_ms = 1000;
  std::int64_t reconnect_min_ms = 50;
  std::int64_t reconnect_max_ms = 2000;
  std::size_t queue_capacity = 4096;  // messages waiting to be published
};

struct RedisBusStats {
  std::uint64_t published = 0;   // entries and heartbeats Redis accepted
  std::uint64_t dropped = 0;     // queue full, or lost with a broken connection
  std::uint64_t received = 0;    // messages delivered to the sink
  std::uint64_t malformed = 0;   // authentic messages on the channel that did not parse
  std::uint64_t rejected = 0;    // messages without a valid MAC, dropped
  std::uint64_t reconnects = 0;  // subscriber (re)subscriptions after the first
  bool subscribed = false;
  bool publisher_connected = false;
};

// The max seq heartbeats announce. An error: no heartbeat this tick.
using HeartbeatSource = std::function<Result<std::int64_t>()>;

class RedisBus : public auth::RevocationBus {
 public:
  ~RedisBus() override = default;
  virtual RedisBusStats Stats() const = 0;
  // Stops both threads and closes the connections. Idempotent.
  virtual void Stop() = 0;
};

// Validates the options and starts the threads; does not wait for Redis (a node starts while
// Redis is down, its sync stale until the subscription is up). `sink` may be null: publish only
// (e.g. a CLI process); `heartbeat_source` may be empty: no heartbeats. kInvalidArgument for a
// bad URL or options (a key shorter than 32 bytes included).
Result<std::unique_ptr<RedisBus>> OpenRedisBus(const RedisBusOptions& options,
                                               auth::RevocationSync* sink,
                                               HeartbeatSource heartbeat_source,
                                               const Clock* clock);

}  // namespace jwtd::store
