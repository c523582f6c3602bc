#include "jwtd/auth/access_checker.h"

#include <utility>

#include "jwtd/auth/user_id.h"
#include "jwtd/jose/dpop.h"
#include "verified_token_cache.h"

namespace jwtd::auth {
namespace {

// Verifier errors keep their precise reason (logs, audit) under one code for the HTTP layer.
Error Refused(const Error& e) { return Error(Code::kUnauthenticated, e.reason(), e.message()); }

class AccessCheckerImpl final : public AccessChecker {
 public:
  AccessCheckerImpl(AccessCheckOptions options, const VerifierSource* keys,
                    const RevocationView* view, RevocationSync* sync, const Clock* clock)
      : options_(options),
        keys_(keys),
        view_(view),
        sync_(sync),
        cache_(options.verified_cache_entries > 0
                   ? std::make_unique<VerifiedTokenCache>(options.verified_cache_entries, clock)
                   : nullptr) {}

  Result<std::shared_ptr<const jose::Claims>> Check(std::string_view token) const override {
    auto verifier = keys_->verifier();
    if (token.size() > verifier->options().max_token_bytes) {
      return Error(Code::kUnauthenticated, Reason::kTokenTooLarge, "access token too large");
    }
    std::shared_ptr<const jose::Claims> claims = cache_ ? cache_->Find(token) : nullptr;
    // A hit whose key left the key set (revoked or removed) must not outlive the key.
    if (claims && verifier->keys().Find(claims->kid()) == nullptr) claims = nullptr;
    if (!claims) {
      auto verified = verifier->VerifySignature(token);
      if (!verified.ok()) {
        if (verified.error().reason() == Reason::kUnknownKid) keys_->OnUnknownKid();
        return Refused(verified.error());
      }
      claims = std::make_shared<const jose::Claims>(std::move(*verified));
      if (cache_) cache_->Insert(token, claims);
    }
    // The cache skips only the signature: time, iss, aud and revocation run on every use.
    if (auto valid = verifier->ValidateClaims(*claims); !valid.ok()) return Refused(valid.error());
    // No token may live longer than the issuer issues them now: a session's deny entry lasts
    // access_ttl + leeway from its revocation, so a token minted under a longer access_ttl
    // (before the setting was lowered, or by a node configured differently) would outlive the
    // entry and be accepted again after a logout. It reads as expired, so a client refreshes.
    if (const auto iat = claims->iat();
        !iat.has_value() || claims->exp() - *iat > options_.max_lifetime_seconds) {
      return Error(Code::kUnauthenticated, Reason::kTokenExpired,
                   "access token lifetime exceeds the maximum (tokens.access_ttl)");
    }
    // A view that may be behind is not trusted: caught up from the log first, or refused
    // (kUnavailable, not kUnauthenticated: the token may well be valid).
    JWTD_RETURN_IF_ERROR(sync_->EnsureFresh());
    if (auto live = view_->Check(*claims); !live.ok()) return Refused(live.error());
    return claims;
  }

  Result<Principal> Authenticate(std::string_view token) const override {
    auto checked = Check(token);
    if (!checked.ok()) return checked.error();
    const jose::Claims& c = **checked;
    // RFC 9068 §2.2 requires sub and jti; jwtd's own tokens also always carry sid and ver.
    const auto user_id = ParseUserId(c.sub());
    if (!user_id || c.sid().empty() || c.jti().empty() || !c.ver().has_value()) {
      return Error(Code::kUnauthenticated, Reason::kMissingClaim,
                   "access token lacks sub/sid/jti/ver");
    }
    Principal p;
    p.user_id = *user_id;
    p.sid = std::string(c.sid());
    p.jti = std::string(c.jti());
    p.ver = *c.ver();
    p.exp = c.exp();
    p.scope = std::string(c.scope());
    auto jkt = jose::BoundThumbprint(c);
    if (!jkt.ok()) return jkt.error();
    p.jkt = std::move(*jkt);
    return p;
  }

 private:
  // Immutable after construction.
  const AccessCheckOptions options_;
  const VerifierSource* const keys_;
  const RevocationView* const view_;
  RevocationSync* const sync_;                       // own synchronisation
  const std::unique_ptr<VerifiedTokenCache> cache_;  // own synchronisation; null when disabled
};

class FixedSource final : public VerifierSource {
 public:
  explicit FixedSource(std::shared_ptr<const jose::Verifier> v) : verifier_(std::move(v)) {}
  std::shared_ptr<const jose::Verifier> verifier() const override { return verifier_; }

 private:
  const std::shared_ptr<const jose::Verifier> verifier_;
};

}  // namespace

Result<std::unique_ptr<AccessChecker>> AccessChecker::Create(AccessCheckOptions options,
                                                             const VerifierSource* keys,
                                                             const RevocationView* view,
                                                             RevocationSync* sync,
                                                             const Clock* clock) {
  if (keys == nullptr || view == nullptr || sync == nullptr || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "access checker needs keys, a revocation view, its sync and a clock");
  }
  if (options.max_lifetime_seconds <= 0) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "access checker: max_lifetime_seconds must be > 0");
  }
  return std::unique_ptr<AccessChecker>(
      std::make_unique<AccessCheckerImpl>(options, keys, view, sync, clock));
}

std::unique_ptr<VerifierSource> FixedVerifierSource(
    std::shared_ptr<const jose::Verifier> verifier) {
  return std::make_unique<FixedSource>(std::move(verifier));
}

}  // namespace jwtd::auth
