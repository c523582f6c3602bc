// jwtd::http::Server — the HTTP/1.1 server of every endpoint of docs/api.md, on Boost.Beast.
//
// Design (style.md, the Beast server examples): one listener accepting on the I/O threads; each
// connection bound to one I/O thread's io_context; keep-alive; every read bounded by a header
// limit, a body limit and a timeout (a slow or half-open client is dropped after read_timeout, an
// idle keep-alive connection after idle_timeout). Requests are routed to pure handlers
// (src/http/handlers/). Verify-only work (GET /v1/me, the JWKS, health) runs on the I/O thread;
// anything that may block (store, Argon2id) runs on a bounded worker pool and posts its response
// back to the connection's io_context. Past max_queued_jobs waiting jobs the server answers 503 at
// once. Past max_connections open connections a new one is closed at once; accept errors for
// lack of descriptors or memory back off instead of spinning (accept_backoff.h).
//
// TLS (tls_context.h) is built in: with tls_cert_file and tls_key_file the listener speaks only
// TLS 1.2+ with jwtd's cipher policy. Behind a reverse proxy, trusted_proxies names the proxies
// whose X-Forwarded-For and X-Forwarded-Proto headers are believed (forwarded.h); the resolved
// client address is what the login limits, the audit trail, the access log and metrics_allow see.
//
// Client authentication of /oauth/revoke and /oauth/introspect: when introspection_clients is
// non-empty both endpoints require a configured client (HTTP Basic, RFC 6749 §2.3.1, or the
// client_id/client_secret body fields) and answer 401 invalid_client otherwise. When it is
// empty both are open: revoking needs the token itself (RFC 7009 §2.1 allows public clients)
// and introspection only tells the holder of a token about that token; RFC 7662 §4's concern
// (token scanning) does not apply to 256-bit refresh tokens and signed access tokens. Deployments
// that expose introspection to resource servers should configure clients.
//
// Thread-safety: Create, then Run on one thread (it runs the I/O threads and blocks); Stop and
// port may be called from any thread. The destructor must not run while Run is running.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/cookie_secure.h"
#include "http/server_role.h"
#include "jwtd/auth/dpop_guard.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_feed.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/auth/ssf_stats.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"

namespace jwtd::http {

struct ClientCredential {
  std::string id;
  std::string secret;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;    // 0: an ephemeral port (see Server::port())
  unsigned io_threads = 0;      // 0: one per two cores (at least one; server.cc)
  unsigned worker_threads = 0;  // blocking store/Argon2id work; 0: sixteen per core (server.cc)
  std::size_t max_body_bytes = 64 * 1024;          // larger bodies: 413
  std::size_t max_header_bytes = 8 * 1024;         // larger header blocks: 431
  std::chrono::milliseconds read_timeout{10'000};  // to read one whole request
  std::chrono::milliseconds idle_timeout{60'000};  // keep-alive wait for the next request
  std::size_t max_queued_jobs = 1024;              // waiting blocking jobs; past it 503
  // Open connections at most; past it a new connection is closed at once (and counted). Capped
  // at start to the RLIMIT_NOFILE soft limit minus a reserve (connection_limit.h).
  std::size_t max_connections = 10'000;
  // Bytes a streamed response may queue for a slow client; past it the client is dropped
  // (stream_channel.h). Bounds a stream's memory at about twice this (queued + in flight).
  std::size_t max_stream_buffer_bytes = 1024 * 1024;
  // The Secure attribute of the refresh and CSRF cookies (see CookieSecure); Secure cookies have
  // __Host- names (http/cookies.h).
  CookieSecure cookie_secure = CookieSecure::kAlways;
  // The HMAC key binding each CSRF token to its refresh token (http/csrf.h): exactly 32 raw bytes,
  // required. Every node of one deployment needs the same key (jwtd serve derives it from the
  // store's bus key). Secret: never logged.
  std::string csrf_key;
  // TLS: both set, the listener speaks only TLS (PEM files; cert_file may hold the chain, leaf
  // first). The handshake must finish within read_timeout. ReloadTls() re-reads them.
  std::string tls_cert_file;
  std::string tls_key_file;
  // CIDR blocks of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
  // (http/forwarded.h); empty: the TCP peer is the client and no such header is read.
  std::vector<std::string> trusted_proxies;
  // Clients allowed to call /oauth/revoke and /oauth/introspect (see the header comment).
  std::vector<ClientCredential> introspection_clients;
  // The revocation feed (GET /v1/revocations and its stream): clients authenticated by HTTP
  // Basic, only from these CIDR blocks (empty: any address). No client: the feed answers 401.
  std::vector<ClientCredential> feed_clients;
  std::vector<std::string> feed_allow;
  std::int64_t feed_heartbeat_ms = 100;  // announced in the metadata
  // The operator's HTTP API (POST /v1/admin/revocations/users): clients by HTTP Basic, only from
  // these CIDR blocks (empty: any address). No client: the API answers 401 to everyone.
  std::vector<ClientCredential> admin_clients;
  std::vector<std::string> admin_allow = {"127.0.0.0/8", "::1/128"};
  // POST /ssf/poll without returnImmediately waits at most this long for a first event.
  std::int64_t ssf_poll_wait_ms = 2000;
  // The scopes a forward-auth check on a path under /v1/authz (Envoy ext_authz) requires, a
  // space-separated scope list (RFC 6749 §3.3); empty: any valid token. Such a check's query
  // string is the original request's, so it cannot carry ?scope=.
  std::string authz_scope;
  // /v1/authz without a bearer token admits the live session of the refresh cookie (in cookie
  // mode the browser holds no access token the gateway could see), with the CSRF rule for
  // unsafe original methods. Off: bearer tokens only.
  bool authz_cookie_sessions = false;
  // Admitted checks carry X-Jwtd-Username too: a user-row read, cached for a second per user
  // (auth::Introspector), so most checks still make no store call.
  bool authz_username_header = false;
  // Which routes are served (server_role.h).
  ServerRole role = ServerRole::kFull;
  // False for a verifier that follows another node's feed (no database): GET /v1/me answers
  // without "username" and /oauth/introspect is not routed (both would read users).
  bool has_database = true;
  // CIDR blocks allowed to read /metrics (403 otherwise).
  std::vector<std::string> metrics_allow = {"127.0.0.0/8", "::1/128"};
  // Directory of static files served at "/" (empty: none). No listing, no path traversal.
  std::string web_root;
  // "sqlite" or "postgres", shown on the lab page.
  std::string store_kind = "sqlite";
  // DPoP (RFC 9449): mode, proof window, nonces, replay bound (jwtd/auth/dpop_guard.h). An
  // empty nonce_key is derived from csrf_key, so every node of a deployment shares it.
  auth::DpopGuardOptions dpop;
};

struct ServerDeps {
  auth::TokenService* tokens = nullptr;        // required; outlives the server
  auth::KeyRing* keys = nullptr;               // required (JWKS, metrics)
  auth::Store* store = nullptr;                // required (/readyz)
  const auth::RevocationView* view = nullptr;  // optional (metrics only)
  const Clock* clock = nullptr;                // required
  const auth::RevocationSync* sync = nullptr;  // optional (/readyz, metrics)
  auth::RevocationFeed* feed = nullptr;        // optional: GET /v1/revocations/stream (503 without)
  auth::SsfStats* ssf_stats = nullptr;         // optional: Shared Signals counters (metrics)
};

class Server {
 public:
  // Validates the options, binds and listens. kInvalidArgument for bad options or missing
  // dependencies; kUnavailable if the address cannot be bound (port taken).
  static Result<std::unique_ptr<Server>> Create(ServerOptions options, ServerDeps deps);

  virtual ~Server() = default;
  // The bound port (the ephemeral one when options.port was 0).
  virtual std::uint16_t port() const = 0;
  // Runs the I/O threads until Stop(); returns once in-flight requests have been answered.
  virtual void Run() = 0;
  // Stops accepting, closes idle connections and lets in-flight requests finish. Thread-safe;
  // only posts to the I/O context, so it may be called from a signal_set handler.
  virtual void Stop() = 0;
  // True when the listener speaks TLS.
  virtual bool tls() const = 0;
  // Re-reads tls_cert_file and tls_key_file (SIGHUP): new connections use the new certificate,
  // existing ones keep theirs. On error (unreadable, mismatched, group-readable key) the
  // current certificate stays and the error says why, naming files but no key material.
  // kInvalidArgument without TLS. Thread-safe.
  virtual Result<void> ReloadTls() = 0;
};

}  // namespace jwtd::http
