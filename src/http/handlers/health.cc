// GET /healthz (liveness: the process answers) and GET /readyz (readiness: the store answers
// Ping; 503 otherwise, so a load balancer stops sending traffic).
#include "http/handlers/handlers.h"

namespace jwtd::http {

Outcome HandleHealthz(const Api&, const Request&) {
  Response r = JsonResponse(200, R"({"status":"ok"})");
  r.With("Cache-Control", "no-store");
  return r;
}

Outcome HandleReadyz(const Api& api, const Request&) {
  return Outcome::Later([&api] {
    const bool ready = api.deps.store->Ping().ok();
    Response r = ready ? JsonResponse(200, R"({"status":"ready"})")
                       : JsonResponse(503, R"({"status":"unavailable","store":"unreachable"})");
    r.With("Cache-Control", "no-store");
    if (!ready) r.With("Retry-After", "1");
    return r;
  });
}

}  // namespace jwtd::http
