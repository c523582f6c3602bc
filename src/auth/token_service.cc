// TokenService::Create, the view catch-up and the request path (Authenticate).
#include <utility>

#include "jwtd/auth/user_id.h"
#include "token_service_impl.h"
#include "verified_token_cache.h"

namespace jwtd::auth {
namespace {

constexpr std::size_t kCatchUpPage = 1000;

Error BadOption(const char* what) {
  return Error(Code::kInvalidArgument, Reason::kBadRequest, std::string("auth options: ") + what);
}

Result<void> CheckLifetimes(const AuthOptions& o) {
  if (o.issuer.empty()) return BadOption("issuer is empty");
  if (o.audience.empty()) return BadOption("audience is empty");
  if (o.access_ttl_seconds <= 0) return BadOption("access_ttl_seconds must be > 0");
  if (o.refresh_ttl_seconds <= 0) return BadOption("refresh_ttl_seconds must be > 0");
  if (o.session_absolute_ttl_seconds < 0) return BadOption("session_absolute_ttl_seconds < 0");
  if (o.refresh_grace_seconds < 0 || o.refresh_grace_seconds >= o.refresh_ttl_seconds) {
    return BadOption("refresh_grace_seconds must be in [0, refresh_ttl_seconds)");
  }
  if (o.leeway_seconds < 0 || o.leeway_seconds > 300) {
    return BadOption("leeway_seconds must be in [0, 300]");
  }
  return Ok();
}

Result<void> CheckOptions(const AuthOptions& o) {
  JWTD_RETURN_IF_ERROR(CheckLifetimes(o));
  if (o.password.min_length < 1 || o.password.max_length < o.password.min_length ||
      o.password.max_length > 4096) {
    return BadOption("password lengths must satisfy 1 <= min <= max <= 4096");
  }
  const LoginLimitOptions& l = o.login_limits;
  if (l.window_seconds <= 0 || l.max_failures_per_account == 0 || l.max_failures_per_address == 0) {
    return BadOption("login limits must be > 0");
  }
  return Ok();
}

// The ring's verifier decides iss/aud; it must agree with what this service mints.
Result<void> CheckVerifierAgrees(const AuthOptions& o, const KeyRing& keys) {
  auto verifier = keys.verifier();
  if (!verifier) return BadOption("key ring has no verifier");
  const jose::VerifyOptions& v = verifier->options();
  if (!v.issuer.empty() && v.issuer != o.issuer) {
    return BadOption("key ring verifies another issuer");
  }
  bool aud_ok = v.audiences.empty();
  for (const auto& a : v.audiences) aud_ok = aud_ok || a == o.audience;
  if (!aud_ok) return BadOption("key ring verifies other audiences");
  return Ok();
}

// Verifier errors keep their precise reason (logs, audit) under one code for the HTTP layer.
Error Refused(const Error& e) { return Error(Code::kUnauthenticated, e.reason(), e.message()); }

}  // namespace

Result<std::unique_ptr<TokenService>> TokenService::Create(AuthOptions options, Dependencies deps) {
  if (deps.store == nullptr || deps.keys == nullptr || deps.clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "token service needs a store, a key ring and a clock");
  }
  if (deps.sync != nullptr && deps.view == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "a revocation sync needs its view in Dependencies::view");
  }
  JWTD_RETURN_IF_ERROR(CheckOptions(options));
  JWTD_RETURN_IF_ERROR(CheckVerifierAgrees(options, *deps.keys));
  auto hasher = PasswordHasher::Create(options.password);
  if (!hasher.ok()) return hasher.error();
  std::unique_ptr<RevocationView> owned_view;
  if (deps.view == nullptr) owned_view = RevocationView::Create(options.strategies);
  auto service = std::make_unique<TokenServiceImpl>(std::move(options), deps, std::move(*hasher),
                                                    std::move(owned_view));
  JWTD_RETURN_IF_ERROR(service->CatchUp());
  return std::unique_ptr<TokenService>(std::move(service));
}

TokenServiceImpl::TokenServiceImpl(AuthOptions options, Dependencies deps,
                                   std::unique_ptr<PasswordHasher> hasher,
                                   std::unique_ptr<RevocationView> owned_view)
    : options_(std::move(options)),
      store_(deps.store),
      keys_(deps.keys),
      clock_(deps.clock),
      bus_(deps.bus),
      hasher_(std::move(hasher)),
      issuer_(options_, deps.keys),
      owned_view_(std::move(owned_view)),
      view_(deps.view != nullptr ? deps.view : owned_view_.get()),
      sync_(deps.sync),
      cache_(options_.verified_cache_entries > 0
                 ? std::make_unique<VerifiedTokenCache>(options_.verified_cache_entries, clock_)
                 : nullptr),
      limiter_(options_.login_limits, clock_) {}

TokenServiceImpl::~TokenServiceImpl() = default;

Result<void> TokenServiceImpl::CatchUp() {
  // The sync keeps its own gap-free cursor: the view's applied_seq may be past a seq another
  // node committed but this one has not seen yet.
  if (sync_ != nullptr) return sync_->CatchUp();
  const std::int64_t now = forget_.NowSeconds();
  for (;;) {
    auto page = store_->ReadRevocations(view_->applied_seq(), now, kCatchUpPage);
    if (!page.ok()) return page.error();
    for (const RevocationEntry& entry : *page) view_->Apply(entry);
    if (page->size() < kCatchUpPage) return Ok();
  }
}

void TokenServiceImpl::ApplyCommitted(const Revocations& entries) {
  if (sync_ != nullptr) {
    sync_->ApplyLocal(entries);
  } else {
    for (const RevocationEntry& entry : entries) view_->Apply(entry);
  }
  if (bus_ != nullptr) {
    for (const RevocationEntry& entry : entries) bus_->Publish(entry);
  }
  // Revocations are the only thing that grows the view; trim what expired while we are here.
  if (!entries.empty()) view_->Expire(forget_.NowSeconds());
}

Result<std::shared_ptr<const jose::Claims>> TokenServiceImpl::VerifyAccess(
    std::string_view token) const {
  auto verifier = keys_->verifier();
  if (token.size() > verifier->options().max_token_bytes) {
    return Error(Code::kUnauthenticated, Reason::kTokenTooLarge, "access token too large");
  }
  std::shared_ptr<const jose::Claims> claims = cache_ ? cache_->Find(token) : nullptr;
  // A hit whose key left the ring (revoked or removed) must not outlive the key.
  if (claims && verifier->keys().Find(claims->kid()) == nullptr) claims = nullptr;
  if (!claims) {
    auto verified = verifier->VerifySignature(token);
    if (!verified.ok()) return Refused(verified.error());
    claims = std::make_shared<const jose::Claims>(std::move(*verified));
    if (cache_) cache_->Insert(token, claims);
  }
  // The cache skips only the signature: time, iss, aud and revocation run on every use.
  if (auto valid = verifier->ValidateClaims(*claims); !valid.ok()) return Refused(valid.error());
  // No token may live longer than this server issues them now: a session's deny entry lasts
  // access_ttl + leeway from its revocation (DenyHorizon), so a token minted under a longer
  // access_ttl (before the setting was lowered, or by a node configured differently) would
  // outlive the entry and be accepted again after a logout. Such a token reads as expired, so
  // a client refreshes.
  if (const auto iat = claims->iat();
      !iat.has_value() || claims->exp() - *iat > options_.access_ttl_seconds) {
    return Error(Code::kUnauthenticated, Reason::kTokenExpired,
                 "access token lifetime exceeds tokens.access_ttl");
  }
  // A view that may be behind is not trusted: the sync catches it up from the store first, or
  // refuses (kUnavailable, not kUnauthenticated: the token may well be valid).
  if (sync_ != nullptr) JWTD_RETURN_IF_ERROR(sync_->EnsureFresh());
  if (auto live = view_->Check(*claims); !live.ok()) return Refused(live.error());
  return claims;
}

Result<Principal> TokenServiceImpl::Authenticate(std::string_view access_token) const {
  auto claims = VerifyAccess(access_token);
  if (!claims.ok()) return claims.error();
  const jose::Claims& c = **claims;
  Principal p;
  // RFC 9068 §2.2 requires these; jwtd's own tokens also always carry sid and ver.
  const auto user_id = ParseUserId(c.sub());
  if (!user_id || c.sid().empty() || c.jti().empty() ||
      !c.ver().has_value()) {
    return Error(Code::kUnauthenticated, Reason::kMissingClaim,
                 "access token lacks sub/sid/jti/ver");
  }
  p.user_id = *user_id;
  p.sid = std::string(c.sid());
  p.jti = std::string(c.jti());
  p.ver = *c.ver();
  p.exp = c.exp();
  p.scope = std::string(c.scope());
  return p;
}

Result<std::optional<User>> TokenServiceImpl::FindUser(std::int64_t user_id) {
  std::optional<User> found;
  auto committed = store_->Transact([&](StoreTx& tx) -> Result<void> {
    auto user = tx.FindUserById(user_id);
    if (!user.ok()) return user.error();
    found = std::move(*user);
    return Ok();
  });
  if (!committed.ok()) return committed.error();
  if (found) found->password_hash.clear();  // never leaves the domain
  return found;
}

}  // namespace jwtd::auth
