// What a jwtd node serves: everything, or only the verifying half of api.md. A value type of the
// server's options that the configuration parses once at load (server.role, serve --role).
#pragma once

namespace jwtd::http {

// kFull: every route of api.md. kVerifier: a node that only verifies access tokens (next to a
// gateway, docs/gateways.md): GET /v1/me, /v1/authz, POST /oauth/introspect, /.well-known/*,
// /healthz, /readyz and /metrics; everything that logs in, refreshes, revokes, manages users,
// sessions or Shared Signals streams, or serves the revocation feed is not routed (404), and the
// node opens the store and the keys read-only (app/runtime.h).
enum class ServerRole { kFull, kVerifier };

}  // namespace jwtd::http
