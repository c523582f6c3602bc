// Every configuration option of jwtd, its type, default (the Config member initialisers) and
// meaning. Adding an option means adding one row here.
#include "config_options.h"

#include <algorithm>

#include "jwtd/jose/alg.h"

namespace jwtd::app {
namespace {

template <typename T>
using Field = T& (*)(Config&);

// A TOML basic string (TOML 1.0 "String"): '"', '\\' and every control character escaped, so
// `jwtd config show` prints a file that loads again whatever the values hold.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string ListLiteral(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Quote(items[i]);
  return out + "]";
}

Option StringOpt(std::string_view key, Field<std::string> field, std::string_view help,
                 bool secret = false) {
  return {key,
          OptionType::kString,
          help,
          [field](Config& c, const std::string& v) {
            field(c) = v;
            return std::string();
          },
          [field](const Config& c) { return Quote(field(const_cast<Config&>(c))); },
          secret};
}

template <typename T>
Option IntOpt(std::string_view key, Field<T> field, std::int64_t min, std::int64_t max,
              std::string_view help) {
  return {key, OptionType::kInt, help,
          [field, min, max](Config& c, const std::string& v) {
            std::int64_t n = 0;
            std::string err = ParseInt(v, min, max, &n);
            if (err.empty()) field(c) = static_cast<T>(n);
            return err;
          },
          [field](const Config& c) { return std::to_string(field(const_cast<Config&>(c))); }};
}

Option DurationOpt(std::string_view key, Field<std::int64_t> field, std::int64_t min,
                   std::string_view help) {
  return {key, OptionType::kDuration, help,
          [field, min](Config& c, const std::string& v) {
            std::int64_t n = 0;
            std::string err = ParseDuration(v, &n);
            if (err.empty() && n < min) err = "must be at least " + std::to_string(min) + "s";
            if (err.empty()) field(c) = n;
            return err;
          },
          [field](const Config& c) { return std::to_string(field(const_cast<Config&>(c))); }};
}

Option BoolOpt(std::string_view key, Field<bool> field, std::string_view help) {
  return {key, OptionType::kBool, help,
          [field](Config& c, const std::string& v) { return ParseBool(v, &field(c)); },
          [field](const Config& c) {
            return std::string(field(const_cast<Config&>(c)) ? "true" : "false");
          }};
}

Option ListOpt(std::string_view key, Field<std::vector<std::string>> field, std::string_view help) {
  return {key, OptionType::kList, help,
          [field](Config& c, const std::string& v) {
            field(c) = SplitList(v);
            return std::string();
          },
          [field](const Config& c) { return ListLiteral(field(const_cast<Config&>(c))); }};
}

Option StrategiesOpt() {
  return {"revocation.strategies", OptionType::kList,
          "server-side revocation strategies: any of \"denylist\", \"version\"; [] runs purely "
          "stateless (refresh revocation stays on)",
          [](Config& c, const std::string& v) {
            auth::StrategyOptions s{.denylist = false, .version = false};
            for (const std::string& item : SplitList(v)) {
              if (item == "denylist")
                s.denylist = true;
              else if (item == "version")
                s.version = true;
              else
                return "unknown strategy \"" + item + "\" (known: denylist, version)";
            }
            c.auth.strategies = s;
            return std::string();
          },
          [](const Config& c) {
            std::vector<std::string> items;
            if (c.auth.strategies.denylist) items.push_back("denylist");
            if (c.auth.strategies.version) items.push_back("version");
            return ListLiteral(items);
          }};
}

Option AlgOpt() {
  return {"keys.alg", OptionType::kAlg,
          "signing algorithm of new keys: ES256 (default), EdDSA, ES384, RS256, PS256, HS256, "
          "HS384, HS512 (HS* keys are secret: nothing is published in the JWKS)",
          [](Config& c, const std::string& v) {
            auto alg = jose::ParseAlg(v);
            if (!alg) return "unknown algorithm \"" + v + "\"";
            c.keys.alg = *alg;
            return std::string();
          },
          [](const Config& c) { return Quote(std::string(jose::AlgName(c.keys.alg))); }};
}

// "id:secret" pairs; secrets come from the file or the environment (JWTD_INTROSPECTION_CLIENTS,
// JWTD_FEED_CLIENTS), never a flag that shows in `ps`.
Option ClientsOpt(std::string_view key, std::vector<ClientCredentials> Config::*field,
                  std::string_view help) {
  return {key,
          OptionType::kClients,
          help,
          [field](Config& c, const std::string& v) {
            (c.*field).clear();
            for (const std::string& item : SplitList(v)) {
              auto colon = item.find(':');
              if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()) {
                return std::string("each entry must be \"id:secret\"");
              }
              if (item.size() - colon - 1 < 16) {
                return std::string("client secrets must be at least 16 characters");
              }
              (c.*field).push_back({item.substr(0, colon), item.substr(colon + 1)});
            }
            return std::string();
          },
          [field](const Config& c) {
            std::vector<std::string> items;
            for (const auto& client : c.*field) items.push_back(client.id + ":***");
            return ListLiteral(items);
          },
          true};
}

// Argon2id memory is configured in KiB and held in bytes.
Option MemLimitOpt() {
  return {"password.mem_limit_kib", OptionType::kInt, "Argon2id memory in KiB (default 65536)",
          [](Config& c, const std::string& v) {
            std::int64_t kib = 0;
            std::string err = ParseInt(v, 8, 4 << 20, &kib);
            if (err.empty())
              c.auth.password.mem_limit_bytes = static_cast<std::uint64_t>(kib) << 10;
            return err;
          },
          [](const Config& c) { return std::to_string(c.auth.password.mem_limit_bytes >> 10); }};
}

// Accepts the former boolean too: true is "always", false is "never".
Option CookieSecureOpt() {
  return {"server.cookie_secure", OptionType::kString,
          "Secure attribute of the refresh and CSRF cookies, named __Host-jwtd_refresh and "
          "__Host-jwtd_csrf when Secure, jwtd_refresh and jwtd_csrf when not: \"always\" "
          "(browsers accept them on https and on http://localhost), \"auto\" (only on HTTPS "
          "requests: TLS, or X-Forwarded-Proto https from a trusted proxy), \"never\" (plain-HTTP "
          "tests only)",
          [](Config& c, const std::string& v) {
            if (v == "always" || v == "true") {
              c.cookie_secure = http::CookieSecure::kAlways;
            } else if (v == "never" || v == "false") {
              c.cookie_secure = http::CookieSecure::kNever;
            } else if (v == "auto") {
              c.cookie_secure = http::CookieSecure::kAuto;
            } else {
              return std::string("expected always, auto or never");
            }
            return std::string();
          },
          [](const Config& c) {
            switch (c.cookie_secure) {
              case http::CookieSecure::kNever:
                return Quote("never");
              case http::CookieSecure::kAuto:
                return Quote("auto");
              case http::CookieSecure::kAlways:
                break;
            }
            return Quote("always");
          }};
}

Option RoleOpt() {
  return {"server.role", OptionType::kString,
          "\"full\": every endpoint; \"verifier\": a node that only verifies access tokens "
          "(/v1/me, /v1/authz, /oauth/introspect, /.well-known/*, /healthz, /readyz, /metrics; the "
          "rest is 404), opening the store and the keys read-only: no migration, no key "
          "generation, no sweep (docs/gateways.md)",
          [](Config& c, const std::string& v) {
            if (v == "full") {
              c.role = http::ServerRole::kFull;
            } else if (v == "verifier") {
              c.role = http::ServerRole::kVerifier;
            } else {
              return std::string("expected full or verifier");
            }
            return std::string();
          },
          [](const Config& c) {
            return Quote(c.role == http::ServerRole::kVerifier ? "verifier" : "full");
          }};
}

Option StaleModeOpt() {
  return {"bus.stale_mode", OptionType::kString,
          "while the revocation view is stale (bus down, a gap, no heartbeat within the bound): "
          "\"check\" reads the store's log on the request first, \"refuse\" answers 503",
          [](Config& c, const std::string& v) {
            if (v == "check") {
              c.bus_stale_mode = auth::StaleMode::kCheck;
            } else if (v == "refuse") {
              c.bus_stale_mode = auth::StaleMode::kRefuse;
            } else {
              return std::string("expected check or refuse");
            }
            return std::string();
          },
          [](const Config& c) {
            return Quote(c.bus_stale_mode == auth::StaleMode::kRefuse ? "refuse" : "check");
          }};
}

Option DpopModeOpt() {
  return {"dpop.mode", OptionType::kString,
          "DPoP (RFC 9449) sender-constrained tokens: \"off\"; \"optional\" (a login with a "
          "DPoP proof binds its session and tokens to the proof's key, bearer logins still work); "
          "\"required\" (login and refresh need a proof, bearer access tokens are refused)",
          [](Config& c, const std::string& v) {
            for (auth::DpopMode m :
                 {auth::DpopMode::kOff, auth::DpopMode::kOptional, auth::DpopMode::kRequired}) {
              if (v == auth::DpopModeName(m)) {
                c.dpop.mode = m;
                c.auth.dpop_required = m == auth::DpopMode::kRequired;
                return std::string();
              }
            }
            return std::string("expected off, optional or required");
          },
          [](const Config& c) { return Quote(std::string(auth::DpopModeName(c.dpop.mode))); }};
}

Option DpopAlgsOpt() {
  return {"dpop.algs", OptionType::kList,
          "algorithms a DPoP proof may be signed with (asymmetric only: ES256, ES384, EdDSA, "
          "RS256, PS256)",
          [](Config& c, const std::string& v) {
            std::vector<jose::Alg> algs;
            for (const std::string& name : SplitList(v)) {
              auto alg = jose::ParseAlg(name);
              if (!alg || jose::IsSymmetric(*alg)) {
                return "\"" + name + "\" is not an asymmetric JWS algorithm";
              }
              algs.push_back(*alg);
            }
            if (algs.empty()) return std::string("at least one algorithm");
            c.dpop.proof.algs = std::move(algs);
            return std::string();
          },
          [](const Config& c) {
            std::vector<std::string> names;
            for (jose::Alg alg : c.dpop.proof.algs) names.emplace_back(jose::AlgName(alg));
            return ListLiteral(names);
          }};
}

Option DpopReplayOpt() {
  return {"dpop.replay", OptionType::kString,
          "where replayed DPoP proofs are refused: \"auto\" (on every node, through the Redis "
          "of bus.url, when it is set; else on this node), \"node\" (this node's memory only: "
          "a proof may be replayed once to each other node), \"shared\" (through Redis; "
          "bus.url required)",
          [](Config& c, const std::string& v) {
            if (v != "auto" && v != "node" && v != "shared") {
              return std::string("expected auto, node or shared");
            }
            c.dpop_replay = v;
            return std::string();
          },
          [](const Config& c) { return Quote(c.dpop_replay); }};
}

Option LogLevelOpt() {
  return {"log.level", OptionType::kString, "trace, debug, info, warn, error or off",
          [](Config& c, const std::string& v) {
            for (const char* name : {"trace", "debug", "info", "warn", "error", "off"}) {
              if (v == name) {
                c.log_level = v;
                return std::string();
              }
            }
            return std::string("expected trace, debug, info, warn, error or off");
          },
          [](const Config& c) { return Quote(c.log_level); }};
}

Option LogFormatOpt() {
  return {"log.format", OptionType::kString,
          "\"text\": one line per event with key=value fields; \"json\": one JSON object per "
          "line (time, level, logger, message; the access log adds request_id, client, method, "
          "route, status, latency_us and bytes)",
          [](Config& c, const std::string& v) {
            if (v != "text" && v != "json") return "expected text or json, not \"" + v + "\"";
            c.log_format = v;
            return std::string();
          },
          [](const Config& c) { return Quote(c.log_format); }};
}

std::vector<Option> BuildOptions() {
  return {
      StringOpt(
          "server.listen", [](Config & c) -> auto& { return c.listen; },
          "address:port to listen on; port 0 picks a free port (printed at start)"),
      IntOpt<unsigned>(
          "server.io_threads", [](Config & c) -> auto& { return c.io_threads; }, 0, 256,
          "I/O threads; 0: one per two cores (at least one)"),
      IntOpt<unsigned>(
          "server.worker_threads", [](Config & c) -> auto& { return c.worker_threads; }, 0, 256,
          "threads for password hashing and store writes; 0: sixteen per core"),
      IntOpt<std::uint64_t>(
          "server.max_body_bytes", [](Config & c) -> auto& { return c.max_body_bytes; }, 1024,
          16 << 20, "largest request body accepted (413 beyond)"),
      IntOpt<std::uint64_t>(
          "server.max_header_bytes", [](Config & c) -> auto& { return c.max_header_bytes; }, 1024,
          1 << 20, "largest request header block accepted (431 beyond)"),
      IntOpt<std::int64_t>(
          "server.read_timeout_ms", [](Config & c) -> auto& { return c.read_timeout_ms; }, 100,
          600'000, "time a client has to send a whole request, and to take a response"),
      IntOpt<std::int64_t>(
          "server.idle_timeout_ms", [](Config & c) -> auto& { return c.idle_timeout_ms; }, 100,
          3'600'000, "keep-alive connections idle longer are closed"),
      IntOpt<std::uint64_t>(
          "server.max_queued_jobs", [](Config & c) -> auto& { return c.max_queued_jobs; }, 1,
          1'000'000, "bounded queue of blocking work; 503 beyond"),
      IntOpt<std::uint64_t>(
          "server.max_connections", [](Config & c) -> auto& { return c.max_connections; }, 1,
          1'000'000,
          "open client connections at most; past it a new connection is closed at once "
          "(jwtd_connections_refused_total); capped at start to the open-file limit "
          "(RLIMIT_NOFILE) minus 64"),
      IntOpt<std::uint64_t>(
          "server.max_stream_buffer_bytes",
          [](Config & c) -> auto& { return c.max_stream_buffer_bytes; }, 4096, 64ull << 20,
          "bytes a streamed response (the revocation stream) may queue for a client that reads "
          "slowly; past it the client is dropped (it resumes with Last-Event-ID)"),
      CookieSecureOpt(),
      RoleOpt(),
      ListOpt(
          "server.trusted_proxies", [](Config & c) -> auto& { return c.trusted_proxies; },
          "CIDR blocks of reverse proxies whose X-Forwarded-For (client address for rate limits, "
          "audit and access log) and X-Forwarded-Proto are believed; empty: none"),
      BoolOpt(
          "server.core_dumps", [](Config & c) -> auto& { return c.core_dumps; },
          "allow core dumps (they would hold signing keys and tokens); false sets RLIMIT_CORE "
          "to 0 at start"),
      StringOpt(
          "tls.cert_file", [](Config & c) -> auto& { return c.tls_cert_file; },
          "PEM certificate chain (leaf first); with tls.key_file the listener speaks only TLS "
          "1.2+; both are re-read on SIGHUP"),
      StringOpt(
          "tls.key_file", [](Config & c) -> auto& { return c.tls_key_file; },
          "PEM private key of tls.cert_file, unencrypted, mode 0600 (refused if group/others "
          "can access it)"),
      ListOpt(
          "metrics.allow", [](Config & c) -> auto& { return c.metrics_allow; },
          "CIDR ranges allowed to read /metrics"),
      ClientsOpt("introspection.clients", &Config::introspection_clients,
                 "clients allowed to call /oauth/introspect and /oauth/revoke, as \"id:secret\" "
                 "entries; empty: both need no client authentication (keep them unreachable from "
                 "outside your services)"),
      StringOpt(
          "authz.scope", [](Config & c) -> auto& { return c.authz_scope; },
          "the scopes (space-separated) a forward-auth check on a path under /v1/authz/ requires "
          "(Envoy ext_authz, whose query string is the original request's); checks on /v1/authz "
          "itself take ?scope= instead; empty: any valid token"),
      BoolOpt(
          "authz.cookie_sessions", [](Config & c) -> auto& { return c.authz_cookie_sessions; },
          "let the forward-auth check (/v1/authz) admit a browser by its refresh cookie's live "
          "session when no bearer token is sent (a store read per check; unsafe original "
          "methods need the X-CSRF-Token header, as for a cookie refresh); default false: "
          "bearer tokens only"),
      BoolOpt(
          "authz.username_header", [](Config & c) -> auto& { return c.authz_username_header; },
          "admitted forward-auth checks also carry X-Jwtd-Username (the user's name: access "
          "tokens hold only the id, so the name comes from a per-user cache refreshed every "
          "second, read from the store on a miss); default false"),
      ClientsOpt("feed.clients", &Config::feed_clients,
                 "resource servers allowed to read the revocation feed (/v1/revocations and its "
                 "stream) and to manage Shared Signals streams, as \"id:secret\" entries (HTTP "
                 "Basic); empty: the feed is closed to everyone"),
      ListOpt(
          "feed.allow", [](Config & c) -> auto& { return c.feed_allow; },
          "CIDR ranges feed clients may connect from; empty: any address (the credentials still "
          "apply)"),
      IntOpt<std::int64_t>(
          "feed.heartbeat_ms", [](Config & c) -> auto& { return c.feed_heartbeat_ms; }, 10, 60'000,
          "how often the revocation stream sends a heartbeat with the log's current seq and the "
          "time it was read: a follower's staleness bound"),
      IntOpt<std::uint64_t>(
          "feed.max_subscribers", [](Config & c) -> auto& { return c.feed_max_subscribers; }, 1,
          1'000'000, "open revocation streams at most; past it a new stream gets 503"),
      IntOpt<std::uint64_t>(
          "feed.replay_entries", [](Config & c) -> auto& { return c.feed_replay_entries; }, 0,
          10'000'000,
          "recent log entries kept in memory so a stream resumed with Last-Event-ID replays "
          "them; a follower further behind is told to re-page (event repage)"),
      IntOpt<std::int64_t>(
          "ssf.poll_wait_ms", [](Config & c) -> auto& { return c.ssf_poll_wait_ms; }, 0, 30'000,
          "how long POST /ssf/poll without returnImmediately waits for a first SET (it holds a "
          "worker thread meanwhile)"),
      IntOpt<std::int64_t>(
          "ssf.push_timeout_ms", [](Config & c) -> auto& { return c.ssf_push_timeout_ms; }, 100,
          120'000, "deadline of one push delivery (connect, send the SET, read the answer)"),
      IntOpt<std::int64_t>(
          "ssf.retry_max_ms", [](Config & c) -> auto& { return c.ssf_retry_max_ms; }, 10, 3'600'000,
          "the longest wait between push attempts to a failing receiver (the backoff doubles "
          "from 100 ms up to this)"),
      ClientsOpt("admin.clients", &Config::admin_clients,
                 "operators allowed to call the admin API (POST /v1/admin/revocations/users: "
                 "mass logout), as \"id:secret\" entries (HTTP Basic); empty: the API is closed "
                 "to everyone"),
      ListOpt(
          "admin.allow", [](Config & c) -> auto& { return c.admin_allow; },
          "CIDR ranges admin clients may connect from; empty: any address (the credentials "
          "still apply)"),
      StringOpt(
          "verifier.feed_url", [](Config & c) -> auto& { return c.verifier_feed_url; },
          "for a verifier (server.role \"verifier\"): the base URL of a full node "
          "(https://issuer.example/) "
          "whose revocation feed and JWKS this verifier follows instead of a store: no database "
          "at all; empty: follow the store's log (store.url, read-only)"),
      StringOpt(
          "verifier.feed_client", [](Config & c) -> auto& { return c.verifier_feed_client; },
          "\"id:secret\": this verifier's credentials among that node's feed.clients (HTTP Basic)",
          true),
      IntOpt<std::int64_t>(
          "verifier.jwks_refetch_ms",
          [](Config & c) -> auto& { return c.verifier_jwks_refetch_ms; }, 100, 3'600'000,
          "with verifier.feed_url: the shortest wait between two fetches of the node's JWKS "
          "prompted by tokens with an unknown kid (such a token is refused; it passes once the "
          "JWKS holds its key)"),
      BoolOpt(
          "web.enabled", [](Config & c) -> auto& { return c.web_enabled; },
          "serve the logout lab page at /"),
      StringOpt(
          "web.root", [](Config & c) -> auto& { return c.web_root; },
          "directory of the page's files; empty: the copy installed with jwtd"),
      StringOpt(
          "store.data_dir", [](Config & c) -> auto& { return c.data_dir; },
          "directory for the SQLite file and keys (created 0700)"),
      StringOpt(
          "store.url", [](Config & c) -> auto& { return c.store_url; },
          "sqlite:///path/to/file.db or sqlite://relative.db; empty: sqlite://<data_dir>/jwtd.db",
          true),
      IntOpt<unsigned>(
          "store.pool_size", [](Config & c) -> auto& { return c.pg_pool_size; }, 2, 1000,
          "PostgreSQL: connections per node at most (reads and the write lanes share them)"),
      IntOpt<unsigned>(
          "store.write_lanes", [](Config & c) -> auto& { return c.pg_write_lanes; }, 1, 64,
          "PostgreSQL: group-commit batches in flight at once (at most store.pool_size - 1)"),
      IntOpt<unsigned>(
          "store.write_batch", [](Config & c) -> auto& { return c.pg_write_batch; }, 1, 63,
          "PostgreSQL: writes per group-commit batch (one transaction, one WAL flush); 1: none"),
      DurationOpt(
          "store.sweep_interval", [](Config & c) -> auto& { return c.sweep_interval_seconds; }, 1,
          "how often expired revocations and sessions, and audit rows past audit.retention, are "
          "deleted"),
      DurationOpt(
          "audit.retention", [](Config & c) -> auto& { return c.audit_retention_seconds; }, 0,
          "audit rows older than this are deleted by the sweep (every failed login adds one); "
          "0: keep them forever"),
      StringOpt(
          "bus.url", [](Config & c) -> auto& { return c.bus_url; },
          "redis://[:password@]host:port of the revocation bus shared by every node; empty: "
          "a single node, no bus",
          true),
      StringOpt(
          "bus.channel", [](Config & c) -> auto& { return c.bus_channel; },
          "pub/sub channel of revocations and heartbeats"),
      StringOpt(
          "bus.node_id", [](Config & c) -> auto& { return c.bus_node_id; },
          "this node's name in heartbeats (no spaces); empty: random"),
      IntOpt<std::int64_t>(
          "bus.staleness_bound_ms", [](Config & c) -> auto& { return c.bus_staleness_bound_ms; },
          50, 600'000,
          "every node's revocation view is trusted only if verified current within this many ms "
          "(a heartbeat, or a read of the store's log: with or without a bus); beyond it, "
          "bus.stale_mode applies"),
      IntOpt<std::int64_t>(
          "bus.heartbeat_interval_ms",
          [](Config & c) -> auto& { return c.bus_heartbeat_interval_ms; }, 10, 60'000,
          "how often this node publishes the store's max revocation seq"),
      StaleModeOpt(),
      DpopModeOpt(),
      DpopAlgsOpt(),
      DurationOpt(
          "dpop.window", [](Config & c) -> auto& { return c.dpop.proof.window_seconds; }, 1,
          "a DPoP proof older than this (its iat) is refused as stale; its jti is remembered "
          "this long (plus dpop.skew) to refuse replays"),
      DurationOpt(
          "dpop.skew", [](Config & c) -> auto& { return c.dpop.proof.skew_seconds; }, 0,
          "how far in the future a proof's iat may be (client clocks run ahead)"),
      DurationOpt(
          "dpop.nonce_lifetime", [](Config & c) -> auto& { return c.dpop.nonce_lifetime_seconds; },
          0,
          "with a value, proofs must carry a server nonce (DPoP-Nonce, RFC 9449 §8) no older than "
          "about this, which bounds a proof pre-generated by a thief with the key; 0: no nonce"),
      DpopReplayOpt(),
      IntOpt<std::size_t>(
          "dpop.replay_entries", [](Config & c) -> auto& { return c.dpop.replay_entries; }, 1024,
          100'000'000,
          "DPoP proofs remembered to refuse replays (about 34 bytes each); when full, new "
          "proofs are refused with 503 until the window moves on"),
      LogLevelOpt(),
      LogFormatOpt(),
      StringOpt(
          "keys.dir", [](Config & c) -> auto& { return c.keys.directory; },
          "key directory; empty: <data_dir>/keys"),
      AlgOpt(),
      DurationOpt(
          "keys.rotate_every", [](Config & c) -> auto& { return c.keys.rotate_every_seconds; }, 0,
          "automatic rotation period; 0: never"),
      DurationOpt(
          "keys.publish_ahead", [](Config & c) -> auto& { return c.keys.publish_ahead_seconds; }, 0,
          "how long the next key is in the JWKS before it signs"),
      StringOpt(
          "tokens.issuer", [](Config & c) -> auto& { return c.auth.issuer; },
          "the iss claim and RFC 8414 issuer; default: http://<listen> (https:// with TLS)"),
      StringOpt(
          "tokens.audience", [](Config & c) -> auto& { return c.auth.audience; },
          "the aud claim of access tokens"),
      DurationOpt(
          "tokens.access_ttl", [](Config & c) -> auto& { return c.auth.access_ttl_seconds; }, 1,
          "access token lifetime"),
      DurationOpt(
          "tokens.refresh_ttl", [](Config & c) -> auto& { return c.auth.refresh_ttl_seconds; }, 1,
          "refresh token idle lifetime (renewed by each rotation)"),
      DurationOpt(
          "tokens.session_absolute_ttl",
          [](Config & c) -> auto& { return c.auth.session_absolute_ttl_seconds; }, 0,
          "absolute session lifetime; 0: none"),
      DurationOpt(
          "tokens.refresh_grace", [](Config & c) -> auto& { return c.auth.refresh_grace_seconds; },
          0,
          "replays of the just-rotated refresh token inside this window get the same "
          "successor pair; 0: off (every replay is reuse and revokes the session)"),
      DurationOpt(
          "tokens.leeway", [](Config & c) -> auto& { return c.auth.leeway_seconds; }, 0,
          "clock skew allowed for exp, nbf and iat"),
      IntOpt<std::size_t>(
          "tokens.verified_cache_entries",
          [](Config & c) -> auto& { return c.auth.verified_cache_entries; }, 0, 10'000'000,
          "verified-token cache size (about 1 KiB per entry); 0: off"),
      StrategiesOpt(),
      IntOpt<std::int64_t>(
          "revocation.poll_interval_ms",
          [](Config & c) -> auto& { return c.revocation_poll_interval_ms; }, 10, 60'000,
          "how often every node reads the store's revocation log (revocations made by the CLI or "
          "by other nodes); must be below bus.staleness_bound_ms"),
      BoolOpt(
          "users.allow_registration", [](Config & c) -> auto& { return c.auth.allow_registration; },
          "allow POST /v1/users"),
      IntOpt<std::uint64_t>(
          "password.ops_limit", [](Config & c) -> auto& { return c.auth.password.ops_limit; }, 1,
          64, "Argon2id passes"),
      MemLimitOpt(),
      IntOpt<std::uint32_t>(
          "login_limits.max_failures_per_account",
          [](Config & c) -> auto& { return c.auth.login_limits.max_failures_per_account; }, 1,
          1'000'000, "failed logins per account per window before 429"),
      IntOpt<int>(
          "login_limits.ipv6_prefix",
          [](Config & c) -> auto& { return c.auth.login_limits.ipv6_prefix; }, 1, 128,
          "IPv6 clients are counted per prefix of this many bits for the per-address limit"),
      IntOpt<std::uint32_t>(
          "login_limits.max_failures_per_address",
          [](Config & c) -> auto& { return c.auth.login_limits.max_failures_per_address; }, 1,
          1'000'000, "failed logins per client address per window before 429"),
      DurationOpt(
          "login_limits.window",
          [](Config & c) -> auto& { return c.auth.login_limits.window_seconds; }, 1,
          "the window of the failed-login limits"),
  };
}

}  // namespace

const std::vector<Option>& ConfigOptions() {
  static const std::vector<Option> options = BuildOptions();
  return options;
}

const Option* FindOption(std::string_view key) {
  const auto& options = ConfigOptions();
  auto it =
      std::find_if(options.begin(), options.end(), [&](const Option& o) { return o.key == key; });
  return it == options.end() ? nullptr : &*it;
}

}  // namespace jwtd::app
