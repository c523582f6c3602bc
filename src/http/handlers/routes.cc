// The route table of docs/api.md.
#include "http/error_mapping.h"
#include "http/handlers/handlers.h"

namespace jwtd::http {

namespace {

using Fn = Outcome (*)(const Api&, const Request&);

// Every method: Traefik's ForwardAuth and Envoy's ext_authz send the check with the original
// request's method; Envoy's goes to /v1/authz followed by the original path.
constexpr const char* kAuthzMethods[] = {"GET",   "HEAD",   "POST",   "PUT",
                                         "PATCH", "DELETE", "OPTIONS"};

// The routes of a verifier (server_role.h): verifying access tokens reads only the view and the
// keys; introspection and /v1/me read the store.
void RegisterVerifying(const Api& api, const auto& add) {
  add("GET", "/v1/me", HandleMe);
  for (const char* method : kAuthzMethods) {
    add(method, "/v1/authz", HandleAuthz);
    add(method, "/v1/authz/{path...}", HandleAuthz);
  }
  if (api.options.has_database) add("POST", "/oauth/introspect", HandleIntrospect);
  add("GET", "/.well-known/jwks.json", HandleJwks);
  add("GET", "/.well-known/oauth-authorization-server", HandleMetadata);
  add("GET", "/healthz", HandleHealthz);
  add("GET", "/readyz", HandleReadyz);
  add("GET", "/metrics", HandleMetrics);
}

// What only a full node serves: sessions, revocations, the feed and Shared Signals.
void RegisterIssuing(const Api& api, const auto& add) {
  add("POST", "/v1/users", HandleRegister);
  add("POST", "/v1/login", HandleLogin);
  add("POST", "/oauth/token", HandleToken);
  add("POST", "/v1/logout", HandleLogout);
  add("POST", "/v1/logout-all", HandleLogoutAll);
  add("POST", "/v1/password", HandleChangePassword);
  add("GET", "/v1/sessions", HandleListSessions);
  add("DELETE", "/v1/sessions/{id}", HandleEndSession);
  add("POST", "/oauth/revoke", HandleRevoke);
  add("GET", "/v1/revocations", HandleRevocationPage);
  add("GET", "/v1/revocations/stream", HandleRevocationStream);
  add("GET", "/.well-known/ssf-configuration", HandleSsfConfiguration);
  for (const char* method : {"POST", "GET", "PATCH", "PUT", "DELETE"}) {
    add(method, "/ssf/streams", HandleSsfStreams);
  }
  add("GET", "/ssf/status", HandleSsfStatus);
  add("POST", "/ssf/status", HandleSsfStatus);
  add("POST", "/ssf/verify", HandleSsfVerify);
  add("POST", "/ssf/poll/{stream_id}", HandleSsfPoll);
  add("POST", "/v1/admin/revocations/users", HandleAdminRevokeUsers);
  if (!api.options.web_root.empty()) add("GET", "/v1/lab", HandleLab);  // the page's settings
}

}  // namespace

void RegisterRoutes(const Api& api, Router& router) {
  const auto add = [&](std::string method, std::string pattern, Fn fn) {
    router.Add(std::move(method), std::move(pattern),
               [&api, fn](const Request& request) { return fn(api, request); });
  };
  RegisterVerifying(api, add);
  if (api.options.role == ServerRole::kFull) RegisterIssuing(api, add);
}

Outcome HandleUnrouted(const Api& api, const Request& request, const Match& match) {
  if (match.status == 405) {
    Response r = JsonError(405, "method_not_allowed", "method not allowed on this resource");
    r.With("Allow", match.allow);
    return r;
  }
  if (auto file = ServeStatic(api, request)) return std::move(*file);
  return JsonError(404, "not_found", "no such resource");
}

}  // namespace jwtd::http
