#include "http/handlers/dpop_check.h"

#include "jwtd/auth/dpop_guard.h"
#include "jwtd/jose/alg.h"

namespace jwtd::http {
namespace {

// The base every endpoint URL of the metadata starts with (well_known.cc): the issuer without
// its trailing slashes ("https://id.example/auth" when jwtd is served under /auth by a proxy that
// strips it).
std::string_view IssuerBase(std::string_view issuer) {
  while (!issuer.empty() && issuer.back() == '/') issuer.remove_suffix(1);
  return issuer;
}

}  // namespace

DpopTarget DpopTargetOf(const Api& api, const Request& request) {
  return {request.method,
          std::string(IssuerBase(api.deps.tokens->options().issuer)) + request.path};
}

void AddDpopNonce(const Api& api, Response& response) {
  if (!api.dpop) return;
  std::string nonce = api.dpop->Nonce();
  if (!nonce.empty()) response.With("DPoP-Nonce", std::move(nonce));
}

Response DpopErrorResponse(const Api& api, const Error& error, Surface surface) {
  Response r = ErrorResponse(error, surface);
  AddDpopNonce(api, r);
  return r;
}

std::variant<std::string, Response> RequestProof(const Api& api, const Request& request,
                                                 const DpopTarget& target, Surface surface,
                                                 std::string_view access_token) {
  if (!api.dpop) return std::string();
  const std::size_t count = request.HeaderCount("dpop");
  if (count == 0) return std::string();
  if (count > 1) {  // RFC 9449 §4.3 step 1: exactly one proof
    return DpopErrorResponse(api, Error(Code::kUnauthenticated, Reason::kDpopInvalid, "two proofs"),
                             surface);
  }
  auto checked = api.dpop->CheckHere(TrimOws(*request.Header("dpop")),
                                     {target.method, target.uri, access_token});
  if (!checked.ok()) {
    api.metrics->RecordTokenRejected(checked.error().reason());  // by reason: dpop_replayed, ...
    return DpopErrorResponse(api, checked.error(), surface);
  }
  // The thumbprint is copied only when the proof goes on to the shared ledger.
  if (!api.dpop->shares_replay()) return std::move(checked->jkt);
  std::string jkt = checked->jkt;
  ClaimBeforeAnswer(api, request, std::move(*checked), surface);
  return jkt;
}

void ClaimBeforeAnswer(const Api& api, const Request& request, auth::CheckedProof proof,
                       Surface surface) {
  if (!api.dpop->shares_replay()) return;
  // A check already left (none of today's handlers takes two proofs) runs first, not lost.
  request.deferred_check = [&api, proof = std::move(proof), surface,
                            before =
                                std::move(request.deferred_check)]() -> std::optional<Response> {
    if (before) {
      if (auto refused = before()) return refused;
    }
    auto claimed = api.dpop->Claim(proof);
    if (claimed.ok()) return std::nullopt;
    api.metrics->RecordTokenRejected(claimed.error().reason());
    return DpopErrorResponse(api, claimed.error(), surface);
  };
}

std::variant<std::string, Response> TokenRequestProof(const Api& api, const Request& request,
                                                      Surface surface) {
  auto proof = RequestProof(api, request, DpopTargetOf(api, request), surface);
  const auto* jkt = std::get_if<std::string>(&proof);
  if (jkt != nullptr && jkt->empty() && api.dpop && api.dpop->mode() == auth::DpopMode::kRequired) {
    return DpopErrorResponse(
        api, Error(Code::kUnauthenticated, Reason::kDpopInvalid, "a DPoP proof is required"),
        surface);
  }
  return proof;
}

std::string AuthChallenge(const Api& api) {
  if (!api.dpop) return "Bearer";
  std::string algs;
  for (jose::Alg alg : api.dpop->options().proof.algs) {
    if (!algs.empty()) algs += ' ';
    algs += jose::AlgName(alg);
  }
  std::string dpop = "DPoP algs=\"" + algs + "\"";
  return api.dpop->mode() == auth::DpopMode::kRequired ? dpop : "Bearer, " + dpop;
}

}  // namespace jwtd::http
