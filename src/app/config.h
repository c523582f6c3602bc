// jwtd::app::Config — every setting of `jwtd serve` and the CLI, with its default.
// Layers, later ones winning: built-in defaults < TOML file < JWTD_* environment < flags.
// Loading happens once in main, before any thread starts; the result is immutable after.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "http/cookie_secure.h"
#include "http/server_role.h"
#include "jwtd/auth/dpop_guard.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/options.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/result.h"

namespace jwtd::app {

struct ClientCredentials {
  std::string id;
  std::string secret;
};

struct Config {
  // [server]
  std::string listen = "127.0.0.1:8080";
  unsigned io_threads = 0;      // 0: one per core
  unsigned worker_threads = 0;  // 0: sixteen per core
  std::uint64_t max_body_bytes = 64 * 1024;
  std::uint64_t max_header_bytes = 8 * 1024;
  std::int64_t read_timeout_ms = 10'000;
  std::int64_t idle_timeout_ms = 60'000;
  std::uint64_t max_queued_jobs = 1024;
  std::uint64_t max_connections = 10'000;  // capped at start by RLIMIT_NOFILE
  std::uint64_t max_stream_buffer_bytes = 1024 * 1024;
  http::CookieSecure cookie_secure = http::CookieSecure::kAlways;
  std::vector<std::string> trusted_proxies;  // CIDR blocks of reverse proxies
  bool core_dumps = false;                   // false: RLIMIT_CORE 0 (no key material in core files)
  http::ServerRole role = http::ServerRole::kFull;  // kVerifier: read-only, verifying routes only
  // [tls] (both set: the listener speaks only TLS)
  std::string tls_cert_file;
  std::string tls_key_file;
  std::vector<std::string> metrics_allow = {"127.0.0.0/8", "::1/128"};
  std::vector<ClientCredentials> introspection_clients;
  // [authz] (the forward-auth check; docs/gateways.md)
  std::string authz_scope;
  bool authz_cookie_sessions = false;  // /v1/authz admits a refresh cookie's live session too
  bool authz_username_header = false;  // admitted checks carry X-Jwtd-Username
  // [feed] (the revocation feed for resource servers; docs/verifying.md)
  std::vector<ClientCredentials> feed_clients;
  std::vector<std::string> feed_allow;  // CIDR blocks; empty: any address
  // [admin] (the operator's HTTP API: POST /v1/admin/revocations/users)
  std::vector<ClientCredentials> admin_clients;
  std::vector<std::string> admin_allow = {"127.0.0.0/8", "::1/128"};
  std::int64_t feed_heartbeat_ms = 100;
  std::uint64_t feed_max_subscribers = 2000;
  std::uint64_t feed_replay_entries = 100'000;
  // [ssf] (the Shared Signals transmitter; docs/api.md "Shared Signals")
  std::int64_t ssf_poll_wait_ms = 2000;     // long poll without returnImmediately
  std::int64_t ssf_push_timeout_ms = 5000;  // one push: connect, send, answer
  std::int64_t ssf_retry_max_ms = 60'000;   // the backoff of a failing push stream, capped
  // [verifier] (server.role = "verifier" following another node instead of a store)
  std::string verifier_feed_url;     // empty: follow the store's log
  std::string verifier_feed_client;  // "id:secret", a feed client of that node; secret
  std::int64_t verifier_jwks_refetch_ms = 10'000;  // between JWKS fetches for an unknown kid
  // [web]
  bool web_enabled = true;
  std::string web_root;  // empty: the page installed with jwtd
  // [store]
  std::string data_dir = "var";
  std::string store_url;  // empty: sqlite://<data_dir>/jwtd.db
  std::int64_t sweep_interval_seconds = 60;
  // PostgreSQL: the connection pool and its group commit (include/jwtd/store/postgres_store.h).
  unsigned pg_pool_size = 8;
  unsigned pg_write_lanes = 2;
  unsigned pg_write_batch = 32;
  // [revocation] (strategies and the login options live in `auth`)
  std::int64_t revocation_poll_interval_ms = 200;  // how often every node reads the log
  // [audit]
  std::int64_t audit_retention_seconds = 90 * 24 * 3600;  // 0: keep forever
  // [bus] (many nodes; see app/bus_wiring.h). The staleness bound and stale mode apply to every
  // node, with a bus or polling the log without one.
  std::string bus_url;  // empty: no bus, a single node
  std::string bus_channel = "jwtd:revocations";
  std::string bus_node_id;  // empty: random
  std::int64_t bus_staleness_bound_ms = 1000;
  std::int64_t bus_heartbeat_interval_ms = 100;
  auth::StaleMode bus_stale_mode = auth::StaleMode::kCheck;
  // [log]
  std::string log_level = "info";   // trace, debug, info, warn, error or off (checked at load)
  std::string log_format = "text";  // text or json (checked at load)
  // [keys], [tokens], [revocation], [users], [password], [login_limits]
  auth::KeyRingOptions keys;
  auth::AuthOptions auth;
  // [dpop] (RFC 9449; the nonce key is derived at start, never configured)
  auth::DpopGuardOptions dpop;
  // Where replayed proofs are caught: "auto" shares the set on the bus's Redis when bus.url is
  // set (every node refuses a proof any node accepted), "node" keeps it per node, "shared"
  // insists on the Redis ledger (an error without bus.url).
  std::string dpop_replay = "auto";
  // Whether this node checks proofs against the deployment's shared ledger (resolved above).
  bool SharesDpopReplay() const {
    return dpop.mode != auth::DpopMode::kOff && !bus_url.empty() && dpop_replay != "node";
  }

  // Derived values, filled by Finalize().
  std::string ResolvedStoreUrl() const;
  std::string ResolvedKeyDir() const;
};

struct ConfigSources {
  std::string file;                                            // empty: no file
  std::vector<std::pair<std::string, std::string>> env;        // JWTD_* variables
  std::vector<std::pair<std::string, std::string>> overrides;  // dotted key = value (flags)
};

// Builds the configuration. kInvalidArgument with every mistake found, one per line, each
// naming the source (file:line, variable or flag), the key and what is wrong — never a secret.
Result<Config> LoadConfig(const ConfigSources& sources);

// The JWTD_* variables of this process's environment.
std::vector<std::pair<std::string, std::string>> EnvironmentVariables();

// The configuration in effect as TOML, secrets masked (for the start banner and `config show`).
std::string DescribeConfig(const Config& config);
// A TOML file with every option, its default and a comment (for `jwtd config example`).
std::string ExampleConfig();

}  // namespace jwtd::app
