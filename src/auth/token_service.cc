// TokenService::Create — the wiring of the use cases — and the facade that delegates to them.
#include "jwtd/auth/token_service.h"

#include <utility>

#include "access_token_issuer.h"
#include "bulk_revocation.h"
#include "introspection.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "login.h"
#include "operator_revocation.h"
#include "password_change.h"
#include "password_hasher.h"
#include "refresh_rotation.h"
#include "revocation_commit.h"
#include "session_families.h"
#include "session_logout.h"
#include "session_queries.h"
#include "token_revocation.h"
#include "user_logout.h"

namespace jwtd::auth {
namespace {

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
  if (l.ipv6_prefix < 1 || l.ipv6_prefix > 128) return BadOption("ipv6_prefix must be in [1, 128]");
  if (l.max_wait_ms < 0) return BadOption("login max_wait_ms must be >= 0");
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

// The view and sync of a service that was given none: its own pair, polling the log.
struct OwnedSync {
  std::unique_ptr<RevocationView> view;
  std::unique_ptr<RevocationSync> sync;
};

Result<OwnedSync> OwnSync(const AuthOptions& options, Store* store, const Clock* clock) {
  OwnedSync owned;
  owned.view = RevocationView::Create(options.strategies);
  auto sync = RevocationSync::Create({}, &store->revocation_log(), owned.view.get(), clock);
  if (!sync.ok()) return sync.error();
  owned.sync = std::move(*sync);
  return owned;
}

class TokenServiceImpl final : public TokenService {
 public:
  TokenServiceImpl(AuthOptions options, Dependencies deps, OwnedSync owned,
                   std::unique_ptr<PasswordHasher> hasher, std::unique_ptr<AccessChecker> checker)
      : options_(std::move(options)),
        owned_(std::move(owned)),
        sync_(deps.sync != nullptr ? deps.sync : owned_.sync.get()),
        hasher_(std::move(hasher)),
        checker_(std::move(checker)),
        issuer_(options_, deps.keys),
        families_(options_, &issuer_),
        committer_(deps.store, sync_, deps.bus),
        limiter_(options_.login_limits, deps.clock),
        login_(options_, deps.store, hasher_.get(), &limiter_, &families_, deps.clock),
        password_(options_, deps.store, &committer_, hasher_.get(), &limiter_, &families_,
                  deps.clock),
        rotation_(options_, &committer_, &families_, deps.clock),
        session_logout_(&committer_, &families_, deps.clock),
        user_logout_(&committer_, &families_, deps.clock),
        bulk_(&committer_, &families_, deps.clock),
        token_revocation_(options_, deps.keys, &committer_, &families_, deps.clock),
        operator_(options_, deps.keys, &committer_, &families_, deps.clock),
        introspector_(checker_.get(), deps.store, deps.clock),
        queries_(deps.store, deps.clock) {}

  Result<User> Register(std::string_view username, std::string_view password,
                        const ClientInfo& client) override {
    return login_.Register(username, password, client);
  }
  Result<TokenResponse> Login(std::string_view username, std::string_view password,
                              std::string_view scope, const ClientInfo& client) override {
    return login_.SignIn(username, password, scope, client);
  }
  Result<TokenResponse> ChangePassword(const Principal& principal,
                                       std::string_view current_password,
                                       std::string_view new_password,
                                       const ClientInfo& client) override {
    return password_.Change(principal, current_password, new_password, client);
  }
  Result<void> SetPassword(std::int64_t user_id, std::string_view new_password,
                           std::string_view actor) override {
    return password_.Reset(user_id, new_password, actor);
  }
  Result<TokenResponse> Refresh(std::string_view refresh_token, const ClientInfo& client) override {
    return rotation_.Refresh(refresh_token, client);
  }
  Result<Principal> Authenticate(std::string_view access_token) const override {
    return checker_->Authenticate(access_token);
  }
  Result<void> Logout(const Principal& principal, const ClientInfo& client) override {
    return session_logout_.Logout(principal, client);
  }
  Result<void> LogoutByRefresh(std::string_view refresh_token, const ClientInfo& client) override {
    return session_logout_.LogoutByRefresh(refresh_token, client);
  }
  Result<std::optional<TokenResponse>> LogoutAll(const Principal& principal, bool except_current,
                                                 const ClientInfo& client) override {
    return user_logout_.LogoutAll(principal, except_current, client);
  }
  Result<SessionList> ListSessions(const Principal& principal,
                                   const std::optional<SessionCursor>& after,
                                   std::size_t limit) override {
    return queries_.List(principal, after, limit);
  }
  Result<void> EndSession(const Principal& principal, std::string_view session_id,
                          const ClientInfo& client) override {
    return session_logout_.EndSession(principal, session_id, client);
  }
  Result<void> Revoke(std::string_view token, TokenHint hint, const ClientInfo& client) override {
    return token_revocation_.Revoke(token, hint, client);
  }
  Result<Introspection> Introspect(std::string_view token, TokenHint hint) override {
    return introspector_.Introspect(token, hint);
  }
  std::optional<Introspection> IntrospectWithoutStore(std::string_view token,
                                                      TokenHint hint) override {
    return introspector_.AnswerWithoutStore(token, hint);
  }
  Result<void> RevokeJti(std::string_view jti, std::int64_t exp, std::string_view actor) override {
    return operator_.RevokeJti(jti, exp, actor);
  }
  Result<void> RevokeSession(std::string_view session_id, std::string_view actor) override {
    return operator_.RevokeSession(session_id, actor);
  }
  Result<void> RevokeUser(std::int64_t user_id, std::string_view actor) override {
    return user_logout_.RevokeUser(user_id, actor);
  }
  Result<BulkPageResult> RevokeUsersPage(const BulkRevocationPage& page,
                                         std::string_view actor) override {
    return bulk_.RevokePage(page, actor);
  }
  Result<void> SetUserDisabled(std::int64_t user_id, bool disabled,
                               std::string_view actor) override {
    return user_logout_.SetDisabled(user_id, disabled, actor);
  }
  Result<void> RevokeKey(std::string_view kid, std::string_view actor) override {
    return operator_.RevokeKey(kid, actor);
  }
  Result<std::optional<User>> FindUser(std::int64_t user_id) override {
    return queries_.FindUser(user_id);
  }
  Result<void> CatchUp() override { return sync_->CatchUp(); }
  const AuthOptions& options() const override { return options_; }
  const AccessChecker& access_checker() const override { return *checker_; }

 private:
  // Immutable after construction; each part has its own synchronisation where it needs one.
  const AuthOptions options_;
  const OwnedSync owned_;  // empty when the caller supplied view and sync
  RevocationSync* const sync_;
  const std::unique_ptr<PasswordHasher> hasher_;
  const std::unique_ptr<AccessChecker> checker_;
  const AccessTokenIssuer issuer_;
  const SessionFamilies families_;
  const RevocationCommitter committer_;
  LoginLimiter limiter_;  // own synchronisation
  PasswordLogin login_;
  PasswordChange password_;
  const RefreshRotation rotation_;
  const SessionLogout session_logout_;
  const UserLogout user_logout_;
  const BulkRevocation bulk_;
  const TokenRevocation token_revocation_;
  const OperatorRevocation operator_;
  const Introspector introspector_;
  const SessionQueries queries_;
};

}  // namespace

Result<std::unique_ptr<TokenService>> TokenService::Create(AuthOptions options, Dependencies deps) {
  if (deps.store == nullptr || deps.keys == nullptr || deps.clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "token service needs a store, a key ring and a clock");
  }
  if ((deps.sync == nullptr) != (deps.view == nullptr)) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "a revocation view and its sync are given together, or neither");
  }
  JWTD_RETURN_IF_ERROR(CheckOptions(options));
  JWTD_RETURN_IF_ERROR(CheckVerifierAgrees(options, *deps.keys));
  auto hasher = PasswordHasher::Create(options.password);
  if (!hasher.ok()) return hasher.error();
  OwnedSync owned;
  if (deps.sync == nullptr) {
    auto made = OwnSync(options, deps.store, deps.clock);
    if (!made.ok()) return made.error();
    owned = std::move(*made);
  }
  RevocationView* view = deps.view != nullptr ? deps.view : owned.view.get();
  RevocationSync* sync = deps.sync != nullptr ? deps.sync : owned.sync.get();
  AccessCheckOptions check;
  check.max_lifetime_seconds = options.access_ttl_seconds;
  check.verified_cache_entries = options.verified_cache_entries;
  auto checker = AccessChecker::Create(check, deps.keys, view, sync, deps.clock);
  if (!checker.ok()) return checker.error();
  JWTD_RETURN_IF_ERROR(sync->CatchUp());
  return std::unique_ptr<TokenService>(std::make_unique<TokenServiceImpl>(
      std::move(options), deps, std::move(owned), std::move(*hasher), std::move(*checker)));
}

}  // namespace jwtd::auth
