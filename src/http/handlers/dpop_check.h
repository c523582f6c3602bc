// DPoP (RFC 9449) at the HTTP surface: reading the one `DPoP` header, the htu a proof must name,
// and the answers of a refused proof (with DPoP-Nonce when the server asks for nonces). The
// rules themselves are auth::DpopGuard's (mode, nonce, replay) and jose's (the proof).
//
// The htu of a request is the issuer (its trailing slash dropped) plus the request's path, never
// the Host header: the client computes it from the endpoint URLs of the metadata, which are the
// issuer plus the same paths, and a Host header is the client's to choose.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "http/error_mapping.h"
#include "http/handlers/api.h"
#include "jwtd/auth/dpop_guard.h"

namespace jwtd::http {

// What the proof of a request must match: its method and absolute URI (RFC 9449 §4.2).
struct DpopTarget {
  std::string method;
  std::string uri;
};

// The request's own target: its method, and the issuer + its path.
DpopTarget DpopTargetOf(const Api& api, const Request& request);

// The checked proof of the request for `target`: the key's thumbprint, "" when the request has
// no DPoP header (or DPoP is off: the header is then ignored), or the refusal to send (a
// repeated header, a proof the guard refuses) in the form `surface` gives it. `access_token`
// (resource requests) must match the proof's ath. Runs on the I/O thread: the shared replay
// claim, if any, is left to the worker pool (ClaimBeforeAnswer).
std::variant<std::string, Response> RequestProof(const Api& api, const Request& request,
                                                 const DpopTarget& target, Surface surface,
                                                 std::string_view access_token = {});

// With a shared replay ledger, makes the answer to `request` wait for `proof`'s claim there
// (Request::deferred_check), and a proof another node used answers as a replay on `surface`.
void ClaimBeforeAnswer(const Api& api, const Request& request, auth::CheckedProof proof,
                       Surface surface);

// The proof of a login or refresh request (RFC 9449 §5), for `surface` (kLogin, kGrant): as
// RequestProof for the request's own target, and with dpop.mode = required a missing proof is
// refused too.
std::variant<std::string, Response> TokenRequestProof(const Api& api, const Request& request,
                                                      Surface surface);

// The refusal of `error` on `surface`, with DPoP-Nonce when nonces are on.
Response DpopErrorResponse(const Api& api, const Error& error, Surface surface);

// Adds DPoP-Nonce (the current nonce) when nonces are on (RFC 9449 §8.2: any response may carry
// the next nonce).
void AddDpopNonce(const Api& api, Response& response);

// The WWW-Authenticate challenge of a request without credentials: Bearer, and DPoP with its
// algorithms when DPoP is on (only DPoP when it is required; RFC 9449 §7.1).
std::string AuthChallenge(const Api& api);

}  // namespace jwtd::http
