#include "app/bus_wiring.h"

#include <algorithm>

#include "http/feed_encoding.h"
#include "jwtd/clock.h"

namespace jwtd::app {
namespace {

Result<std::unique_ptr<store::RedisBus>> OpenBus(const Config& config, auth::RevocationLog& log,
                                                 auth::RevocationSync* sync) {
  store::RedisBusOptions bus_options;
  bus_options.url = config.bus_url;
  bus_options.channel = config.bus_channel;
  bus_options.node_id = config.bus_node_id;
  bus_options.heartbeat_interval_ms = config.bus_heartbeat_interval_ms;
  // Every message is authenticated with the store's bus key: nodes of one deployment share the
  // store, so they share the key; a party with only Redis access cannot forge (K1/K2).
  auto key = log.BusKey();
  if (!key.ok()) {
    return Error(
        key.error().code(), key.error().reason(),
        "revocation bus: cannot read the bus key from the store: " + key.error().message());
  }
  bus_options.key = std::move(*key);
  // A hung Redis must be noticed well inside the staleness bound.
  bus_options.idle_probe_ms = std::max<std::int64_t>(config.bus_staleness_bound_ms / 2, 50);
  bus_options.command_timeout_ms = std::max<std::int64_t>(config.bus_staleness_bound_ms / 2, 50);
  // Back within a fraction of the bound once Redis returns (staleness costs store reads).
  bus_options.reconnect_max_ms = std::clamp<std::int64_t>(config.bus_staleness_bound_ms / 4,
                                                          bus_options.reconnect_min_ms, 2000);
  // Heartbeats announce the store's max seq: the durable log is the authority, not this node.
  return store::OpenRedisBus(
      bus_options, sync, [&log] { return log.MaxRevocationSeq(); }, SystemClock());
}

}  // namespace

Result<SyncParts> OpenRevocationSync(const Config& config, auth::Store* store,
                                     auth::RevocationView* view) {
  SyncParts parts;
  auth::RevocationSyncOptions sync_options;
  const bool fed = !config.bus_url.empty() || !config.verifier_feed_url.empty();
  sync_options.source = fed ? auth::SyncSource::kBus : auth::SyncSource::kPoll;
  sync_options.staleness_bound_ms = config.bus_staleness_bound_ms;
  sync_options.stale_mode = config.bus_stale_mode;
  sync_options.poll_interval_ms = config.revocation_poll_interval_ms;
  auto sync =
      auth::RevocationSync::Create(sync_options, &store->revocation_log(), view, SystemClock());
  if (!sync.ok()) return sync.error();
  parts.sync = std::move(*sync);
  static const http::SseFeedEncoder kEncoder;  // stateless
  auth::RevocationFeedOptions feed_options;
  feed_options.heartbeat_ms = config.feed_heartbeat_ms;
  feed_options.replay_entries = config.feed_replay_entries;
  feed_options.max_subscribers = config.feed_max_subscribers;
  auto feed = auth::RevocationFeed::Create(feed_options, &store->revocation_log(), &kEncoder,
                                           SystemClock());
  if (!feed.ok()) return feed.error();
  parts.feed = std::move(*feed);
  // Before the bus exists, so before any input reaches the sync.
  parts.sync->SetListener([feed = parts.feed.get()] { feed->Wake(); });
  if (!config.verifier_feed_url.empty()) {
    auto origin = ParseFeedOrigin(config.verifier_feed_url, config.verifier_feed_client);
    if (!origin.ok()) return origin.error();
    FeedFollowerOptions follow;
    follow.idle_timeout = std::chrono::milliseconds(config.bus_staleness_bound_ms);
    follow.connect_timeout = std::chrono::milliseconds(config.bus_staleness_bound_ms);
    follow.retry_max = std::chrono::milliseconds(
        std::clamp<std::int64_t>(config.bus_staleness_bound_ms / 4, 50, 2000));
    parts.follower =
        std::make_unique<FeedFollower>(std::move(*origin), follow, parts.sync.get(), SystemClock());
    return parts;
  }
  if (config.bus_url.empty()) return parts;
  auto bus = OpenBus(config, store->revocation_log(), parts.sync.get());
  if (!bus.ok()) return bus.error();
  parts.bus = std::move(*bus);
  return parts;
}

}  // namespace jwtd::app
