// The handlers of docs/api.md, one file per area. Each returns a Response at once (work that
// never blocks) or a Deferred job for the worker pool (store or Argon2id work).
#pragma once

#include <optional>

#include "http/body.h"
#include "http/handlers/api.h"

namespace jwtd::http {

Outcome HandleRegister(const Api& api, const Request& request);          // users.cc
Outcome HandleLogin(const Api& api, const Request& request);             // login.cc
Outcome HandleToken(const Api& api, const Request& request);             // token.cc
Outcome HandleLogout(const Api& api, const Request& request);            // logout.cc
Outcome HandleLogoutAll(const Api& api, const Request& request);         // logout.cc
Outcome HandleChangePassword(const Api& api, const Request& request);    // password.cc
Outcome HandleListSessions(const Api& api, const Request& request);      // sessions.cc
Outcome HandleEndSession(const Api& api, const Request& request);        // sessions.cc
Outcome HandleMe(const Api& api, const Request& request);                // me.cc
Outcome HandleAuthz(const Api& api, const Request& request);             // authz.cc
Outcome HandleRevoke(const Api& api, const Request& request);            // revoke.cc
Outcome HandleIntrospect(const Api& api, const Request& request);        // introspect.cc
Outcome HandleRevocationPage(const Api& api, const Request& request);    // revocations.cc
Outcome HandleRevocationStream(const Api& api, const Request& request);  // revocation_stream.cc
Outcome HandleJwks(const Api& api, const Request& request);              // well_known.cc
Outcome HandleMetadata(const Api& api, const Request& request);          // well_known.cc
Outcome HandleHealthz(const Api& api, const Request& request);           // health.cc
Outcome HandleReadyz(const Api& api, const Request& request);            // health.cc
Outcome HandleMetrics(const Api& api, const Request& request);           // metrics_endpoint.cc
Outcome HandleLab(const Api& api, const Request& request);               // lab.cc (web page only)
Outcome HandleSsfConfiguration(const Api& api, const Request& request);  // ssf_configuration.cc
Outcome HandleSsfStreams(const Api& api, const Request& request);        // ssf_streams.cc
Outcome HandleSsfStatus(const Api& api, const Request& request);         // ssf_status.cc
Outcome HandleSsfVerify(const Api& api, const Request& request);         // ssf_status.cc
Outcome HandleSsfPoll(const Api& api, const Request& request);           // ssf_poll.cc
Outcome HandleAdminRevokeUsers(const Api& api, const Request& request);  // admin.cc

// client_auth.cc: nullopt when the caller may use /oauth/revoke and /oauth/introspect (a
// configured client authenticated, or none configured); else the 400/401 to send.
std::optional<Response> CheckClient(const Api& api, const Request& request, const BodyFields& body);
// The id of the feed client that authenticated the request (HTTP Basic against feed_clients, from
// an address in feed_allow); else the 401/403/400 to send. Anonymous access is always refused.
std::variant<std::string, Response> CheckFeedClient(const Api& api, const Request& request);
// Likewise for the admin API: admin_clients, from an address in admin_allow.
std::variant<std::string, Response> CheckAdminClient(const Api& api, const Request& request);
// Decodes standard base64 (RFC 4648 §4, padding required); nullopt if malformed. For tests.
std::optional<std::string> DecodeBase64(std::string_view text);

// static_files.cc: GET/HEAD of a file under web_root; nullopt when web_root is unset.
std::optional<Response> ServeStatic(const Api& api, const Request& request);
// The Content-Type for a file name, by extension (application/octet-stream when unknown).
std::string_view ContentTypeFor(std::string_view file_name);

auth::TokenHint ParseHint(std::string_view hint);

}  // namespace jwtd::http
