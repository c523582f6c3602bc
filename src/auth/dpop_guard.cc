#include "jwtd/auth/dpop_guard.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>

#include "dpop_replay_cache.h"
#include "jwtd/compare.h"
#include "jwtd/jose/base64url.h"

namespace jwtd::auth {

std::string_view DpopModeName(DpopMode mode) {
  switch (mode) {
    case DpopMode::kOff:
      return "off";
    case DpopMode::kOptional:
      return "optional";
    case DpopMode::kRequired:
      return "required";
  }
  return "off";
}

namespace {

constexpr std::size_t kNonceKeyBytes = 32;
constexpr std::size_t kNonceMacBytes = 16;
constexpr std::size_t kMinReplayEntries = 1024;
constexpr std::string_view kNonceContext = "jwtd-dpop-nonce-v1:";

Error Refused(Reason reason, std::string message) {
  return Error(Code::kUnauthenticated, reason, std::move(message));
}

Error Replayed() { return Refused(Reason::kDpopReplayed, "the proof's jti was used before"); }

class Guard final : public DpopGuard {
 public:
  Guard(DpopGuardOptions options, const Clock* clock)
      : options_(std::move(options)),
        clock_(clock),
        replay_(options_.proof.window_seconds + options_.proof.skew_seconds,
                options_.replay_entries) {}

  ~Guard() override { OPENSSL_cleanse(options_.nonce_key.data(), options_.nonce_key.size()); }

  DpopMode mode() const override { return options_.mode; }
  const DpopGuardOptions& options() const override { return options_; }

  Result<CheckedProof> CheckHere(std::string_view proof,
                                 const jose::DpopRequest& request) const override {
    auto verified = jose::VerifyDpopProof(proof, request, options_.proof, *clock_);
    if (!verified.ok()) return verified.error();
    if (options_.nonce_lifetime_seconds > 0) {
      if (!verified->nonce) return Refused(Reason::kDpopNonce, "the proof carries no nonce");
      if (!NonceValid(*verified->nonce)) {
        return Refused(Reason::kDpopNonce, "the proof's nonce is unknown or expired");
      }
    }
    const DpopReplayCache::Key key = DpopReplayCache::KeyOf(verified->jkt, verified->jti);
    switch (replay_.Add(key, clock_->NowSeconds())) {
      case DpopReplayCache::Insert::kNew: {
        CheckedProof checked{std::move(verified->jkt), {}};
        if (options_.shared_replay != nullptr) {
          checked.replay_key = jose::Base64UrlEncode(
              std::string_view(reinterpret_cast<const char*>(key.data()), sizeof key));
        }
        return checked;
      }
      case DpopReplayCache::Insert::kSeen:
        return Replayed();
      case DpopReplayCache::Insert::kFull:
        break;
    }
    return Error(Code::kResourceExhausted, Reason::kRateLimited,
                 "too many DPoP proofs in the replay window")
        .WithRetryAfter(options_.proof.window_seconds);
  }

  Result<void> Claim(const CheckedProof& proof) const override {
    if (options_.shared_replay == nullptr || proof.replay_key.empty()) return Ok();
    // Remembered until its iat cannot pass again on any node: window + skew after this node's
    // now, plus one more skew for a node whose clock runs that far behind this one's.
    auto first = options_.shared_replay->Claim(
        proof.replay_key, options_.proof.window_seconds + 2 * options_.proof.skew_seconds);
    if (!first.ok()) {
      return Error(Code::kUnavailable, Reason::kStoreUnavailable,
                   "the DPoP replay ledger is unavailable")
          .WithRetryAfter(1);
    }
    if (!*first) return Replayed();
    return Ok();
  }

  bool shares_replay() const override { return options_.shared_replay != nullptr; }

  std::string Nonce() const override {
    if (options_.nonce_lifetime_seconds <= 0) return {};
    return NonceFor(clock_->NowSeconds() / options_.nonce_lifetime_seconds);
  }

  std::size_t replay_size() const override { return replay_.size(); }
  std::size_t replay_bytes() const override { return replay_.bytes(); }

 private:
  // base64url(8-byte big-endian bucket || HMAC-SHA256(key, context || bucket)[:16]).
  std::string NonceFor(std::int64_t bucket) const {
    std::array<unsigned char, 8 + kNonceMacBytes> raw{};
    for (int i = 0; i < 8; ++i) raw[i] = static_cast<unsigned char>(bucket >> (56 - 8 * i));
    std::string input(kNonceContext);
    input.append(reinterpret_cast<const char*>(raw.data()), 8);
    unsigned char mac[EVP_MAX_MD_SIZE] = {};
    unsigned int len = 0;
    HMAC(EVP_sha256(), options_.nonce_key.data(), static_cast<int>(options_.nonce_key.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    std::memcpy(raw.data() + 8, mac, kNonceMacBytes);
    return jose::Base64UrlEncode(
        std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  }

  // The current bucket's nonce or the previous one's: a nonce handed out just before a bucket
  // ends still serves a whole lifetime.
  bool NonceValid(std::string_view nonce) const {
    const std::int64_t bucket = clock_->NowSeconds() / options_.nonce_lifetime_seconds;
    return ConstantTimeEquals(nonce, NonceFor(bucket)) ||
           ConstantTimeEquals(nonce, NonceFor(bucket - 1));
  }

  DpopGuardOptions options_;
  const Clock* const clock_;
  mutable DpopReplayCache replay_;  // own synchronisation
};

}  // namespace

Result<std::string> DpopGuard::Check(std::string_view proof,
                                     const jose::DpopRequest& request) const {
  auto checked = CheckHere(proof, request);
  if (!checked.ok()) return checked.error();
  JWTD_RETURN_IF_ERROR(Claim(*checked));
  return std::move(checked->jkt);
}

Result<std::optional<CheckedProof>> CheckTokenBindingHere(const DpopGuard* guard,
                                                          const Principal& principal,
                                                          TokenScheme scheme,
                                                          std::optional<std::string_view> proof,
                                                          const jose::DpopRequest& request) {
  const bool bound = !principal.jkt.empty();
  if (scheme == TokenScheme::kBearer) {
    // RFC 9449 §7.2: a bound token used as a bearer token is what a thief would send.
    if (bound) return Refused(Reason::kDpopBinding, "a DPoP-bound token sent as bearer");
    if (guard != nullptr && guard->mode() == DpopMode::kRequired) {
      return Refused(Reason::kDpopBinding, "bearer tokens are refused: DPoP is required");
    }
    return std::optional<CheckedProof>();
  }
  if (guard == nullptr || !bound) {
    return Refused(Reason::kDpopBinding, "the DPoP scheme needs a DPoP-bound token");
  }
  if (!proof) return Refused(Reason::kDpopInvalid, "a DPoP-bound token without a proof");
  auto checked = guard->CheckHere(*proof, request);
  if (!checked.ok()) return checked.error();
  if (!ConstantTimeEquals(checked->jkt, principal.jkt)) {
    return Refused(Reason::kDpopBinding, "the proof's key is not the token's");
  }
  return std::optional<CheckedProof>(std::move(*checked));
}

Result<void> CheckTokenBinding(const DpopGuard* guard, const Principal& principal,
                               TokenScheme scheme, std::optional<std::string_view> proof,
                               const jose::DpopRequest& request) {
  auto checked = CheckTokenBindingHere(guard, principal, scheme, proof, request);
  if (!checked.ok()) return checked.error();
  if (!checked->has_value()) return Ok();
  return guard->Claim(**checked);
}

Result<std::unique_ptr<DpopGuard>> DpopGuard::Create(DpopGuardOptions options, const Clock* clock) {
  if (clock == nullptr) return Error(Code::kInvalidArgument, Reason::kBadRequest, "dpop: no clock");
  if (options.proof.algs.empty()) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "dpop: no proof algorithm");
  }
  if (options.proof.window_seconds <= 0 || options.proof.skew_seconds < 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "dpop: the window must be positive and the skew not negative");
  }
  if (options.nonce_lifetime_seconds < 0 ||
      (options.nonce_lifetime_seconds > 0 && options.nonce_key.size() != kNonceKeyBytes)) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "dpop: server nonces need a 32-byte nonce key");
  }
  if (options.replay_entries < kMinReplayEntries) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "dpop: the replay cache needs room for at least 1024 proofs");
  }
  return std::unique_ptr<DpopGuard>(new Guard(std::move(options), clock));
}

}  // namespace jwtd::auth
