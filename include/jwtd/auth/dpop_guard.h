// jwtd::auth::DpopGuard — the stateful half of DPoP (RFC 9449) that jose's pure proof check
// (jwtd/jose/dpop.h) leaves to its caller: the deployment's mode, server nonces (§8) and the
// refusal of a replayed proof (§11.1). Every endpoint that takes a proof (login, refresh, each
// resource request) goes through Check, so the three rules hold the same everywhere.
//
// Nonces are stateless: base64url(bucket || HMAC-SHA256(nonce_key, bucket)[:16]) for the time
// bucket now / nonce_lifetime, the current and the previous bucket accepted. Nodes that share
// the key (jwtd serve derives it from the store's bus key, like the CSRF key) accept each
// other's nonces without talking to each other.
//
// Replay: every accepted proof's (jkt, jti) is kept until no copy of the proof could pass the
// iat window again (window + skew after it was accepted), in memory bounded by replay_entries.
// When the cache is full a proof is refused (kResourceExhausted with retry_after): accepting it
// unrecorded would make its replay undetectable. With a shared ledger (many nodes behind one
// load balancer) a proof this node has not seen is then claimed there too, so a copy sent to any
// other node is refused as well; this node's cache still answers its own replays without a round
// trip. The claim may block (network), so the HTTP server makes it on the worker pool
// (CheckHere on the I/O thread, then Claim), and Check does both for callers that may block.
//
// Thread-safety: every method may be called from any thread (the replay cache locks itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jwtd/auth/access_checker.h"
#include "jwtd/clock.h"
#include "jwtd/jose/dpop.h"
#include "jwtd/result.h"

namespace jwtd::auth {

enum class DpopMode : std::uint8_t {
  kOff,       // no DPoP: a DPoP header is ignored, the DPoP scheme is not accepted
  kOptional,  // a proof on login binds the session; bearer tokens still work
  kRequired,  // login and refresh need a proof; bearer (unbound) access tokens are refused
};

std::string_view DpopModeName(DpopMode mode);

// The set of proofs accepted by any node of a deployment (Redis in
// jwtd/store/redis_replay_ledger.h). Thread-safe; calls block on the network.
class DpopReplayLedger {
 public:
  virtual ~DpopReplayLedger() = default;
  // Records `key` for at least ttl_seconds: true when no node recorded it before (the caller's
  // proof is the first), false when one did. kUnavailable when the ledger cannot answer: the
  // proof is then refused, never accepted unrecorded.
  virtual Result<bool> Claim(std::string_view key, std::int64_t ttl_seconds) = 0;
};

// A proof this node accepted, and its name in the shared ledger.
struct CheckedProof {
  std::string jkt;         // the proof key's thumbprint (RFC 7638)
  std::string replay_key;  // base64url of the 16-byte digest of (jkt, jti); empty: no ledger
};

struct DpopGuardOptions {
  DpopMode mode = DpopMode::kOff;
  jose::DpopOptions proof;                  // algs, iat window and skew, proof size
  std::int64_t nonce_lifetime_seconds = 0;  // 0: no server nonce asked for
  std::string nonce_key;                    // 32 bytes when nonces are on; secret
  std::size_t replay_entries = 3'000'000;   // proofs remembered at most (both generations)
  // The deployment's shared replay ledger; null: this node's cache only. Not owned: outlives
  // the guard.
  DpopReplayLedger* shared_replay = nullptr;
};

class DpopGuard {
 public:
  // kInvalidArgument for a null clock, an empty alg list, a nonce lifetime without a 32-byte
  // key, a non-positive window or a replay bound below 1024.
  static Result<std::unique_ptr<DpopGuard>> Create(DpopGuardOptions options, const Clock* clock);
  virtual ~DpopGuard() = default;

  virtual DpopMode mode() const = 0;
  virtual const DpopGuardOptions& options() const = 0;

  // Verifies `proof` for `request` (jose::VerifyDpopProof), then the nonce when nonces are on
  // (kUnauthenticated/kDpopNonce: the caller answers use_dpop_nonce with Nonce()), then records
  // the proof in this node's cache, refusing one seen before (kDpopReplayed). Never blocks.
  // A refused proof is not recorded. The proof is accepted only once Claim succeeds too.
  virtual Result<CheckedProof> CheckHere(std::string_view proof,
                                         const jose::DpopRequest& request) const = 0;
  // Claims a proof CheckHere accepted in the shared ledger: Ok when there is no ledger or this
  // is the proof's first use anywhere; kUnauthenticated/kDpopReplayed when another node (or an
  // earlier request) used it; kUnavailable (retry_after 1) when the ledger cannot answer.
  // May block.
  virtual Result<void> Claim(const CheckedProof& proof) const = 0;
  // Whether Claim has a ledger to ask (and may block).
  virtual bool shares_replay() const = 0;

  // CheckHere, then Claim; the proof key's thumbprint. May block when shares_replay().
  Result<std::string> Check(std::string_view proof, const jose::DpopRequest& request) const;

  // The nonce to hand out now (the DPoP-Nonce header); empty when nonces are off.
  virtual std::string Nonce() const = 0;

  // Proofs remembered now (both generations), for metrics and the memory benchmark.
  virtual std::size_t replay_size() const = 0;
  // Bytes the replay cache holds (its tables), for the memory benchmark.
  virtual std::size_t replay_bytes() const = 0;
};

// The scheme an access token came under (RFC 6750 §2.1, RFC 9449 §7.1).
enum class TokenScheme : std::uint8_t { kBearer, kDpop };

// The resource request's rule of RFC 9449 §7 for a token AccessChecker::Authenticate accepted
// (`principal`), shared by jwtd's endpoints and C++ resource servers: a bound token (jkt set)
// needs the DPoP scheme and a proof by its key for `request` (with ath); a bearer token needs
// the Bearer scheme, and is refused when `guard` requires DPoP. `guard` null: DPoP off (bound
// tokens and the DPoP scheme are refused). `proof` nullopt: the request had none. Errors are
// kUnauthenticated: kDpopBinding (scheme or key), kDpopInvalid (no proof), or the guard's.
// May block when the guard shares its replay set (DpopGuard::Check).
Result<void> CheckTokenBinding(const DpopGuard* guard, const Principal& principal,
                               TokenScheme scheme, std::optional<std::string_view> proof,
                               const jose::DpopRequest& request);

// CheckTokenBinding without the shared claim, for a caller that must not block: the proof that
// still has to pass DpopGuard::Claim before the request is served (nullopt for a bearer token).
Result<std::optional<CheckedProof>> CheckTokenBindingHere(const DpopGuard* guard,
                                                          const Principal& principal,
                                                          TokenScheme scheme,
                                                          std::optional<std::string_view> proof,
                                                          const jose::DpopRequest& request);

}  // namespace jwtd::auth
