// TokenServiceImpl — the one implementation of jwtd::auth::TokenService. Its methods are split
// by job over several files:
//   token_service.cc        Create, options checks, view catch-up, Authenticate, FindUser
//   session_family.cc       minting token pairs, ending families, version bumps, audit rows
//   registration_login.cc   Register, Login
//   refresh_rotation.cc     Refresh (rotation, grace replay, reuse detection)
//   logout.cc               Logout, LogoutByRefresh, LogoutAll
//   sessions.cc             ListSessions, EndSession
//   revoke.cc               RFC 7009 Revoke and the operator revocations
//   introspection.cc        RFC 7662 Introspect
//
// Thread-safety: shared by all threads. Fields are immutable after construction or carry their
// own synchronisation (view, cache, limiter); no mutex of its own. Every change to durable state
// runs inside one Store::Transact; revocation entries a transaction appended are applied to the
// local view and published only after it committed (ApplyCommitted).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access_token_issuer.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/revocation_bus.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/auth/token_service.h"
#include "login_limiter.h"
#include "password_hasher.h"
#include "successor_seal.h"

namespace jwtd::auth {

class VerifiedTokenCache;

// Revocation-log entries appended inside one transaction, in append order.
using Revocations = std::vector<RevocationEntry>;

// A freshly minted token pair for a session, not yet stored.
struct MintedPair {
  TokenResponse response;
  RefreshRecord record;       // the new refresh token's row (state current)
  SuccessorPair sealed_form;  // what a grace-window replay would get back
};

// What one Refresh transaction decided. Carried out of Transact() because the reuse path must
// commit its revocation (fn returns ok) and still report an error to the caller.
struct RefreshOutcome {
  std::optional<TokenResponse> tokens;
  std::optional<Error> error;
  Revocations revocations;
};

class TokenServiceImpl final : public TokenService {
 public:
  TokenServiceImpl(AuthOptions options, Dependencies deps, std::unique_ptr<PasswordHasher> hasher,
                   std::unique_ptr<RevocationView> owned_view);
  ~TokenServiceImpl() override;

  // Applies the store's log past the view's applied_seq, in pages. kUnavailable on store error.
  [[nodiscard]] Result<void> CatchUp() override;

  Result<User> Register(std::string_view username, std::string_view password,
                        const ClientInfo& client) override;
  Result<TokenResponse> Login(std::string_view username, std::string_view password,
                              std::string_view scope, const ClientInfo& client) override;
  Result<TokenResponse> Refresh(std::string_view refresh_token, const ClientInfo& client) override;
  Result<Principal> Authenticate(std::string_view access_token) const override;
  Result<void> Logout(const Principal& principal, const ClientInfo& client) override;
  Result<void> LogoutByRefresh(std::string_view refresh_token, const ClientInfo& client) override;
  Result<std::optional<TokenResponse>> LogoutAll(const Principal& principal, bool except_current,
                                                 const ClientInfo& client) override;
  Result<std::vector<SessionInfo>> ListSessions(const Principal& principal) override;
  Result<void> EndSession(const Principal& principal, std::string_view session_id,
                          const ClientInfo& client) override;
  Result<void> Revoke(std::string_view token, TokenHint hint, const ClientInfo& client) override;
  Result<Introspection> Introspect(std::string_view token, TokenHint hint) override;
  Result<void> RevokeJti(std::string_view jti, std::int64_t exp, std::string_view actor) override;
  Result<void> RevokeSession(std::string_view session_id, std::string_view actor) override;
  Result<void> RevokeUser(std::int64_t user_id, std::string_view actor) override;
  Result<void> RevokeKey(std::string_view kid, std::string_view actor) override;
  Result<std::optional<User>> FindUser(std::int64_t user_id) override;
  const AuthOptions& options() const override { return options_; }

 private:
  // --- token_service.cc ---
  std::int64_t Now() const { return clock_->NowSeconds(); }
  // Signature (cached), claims checks and the revocation view: the request path, no I/O.
  Result<std::shared_ptr<const jose::Claims>> VerifyAccess(std::string_view token) const;
  // After commit: local view first (this node refuses at once), then the other nodes.
  void ApplyCommitted(const Revocations& entries);
  // An operator's revocation of one key (a jti, a kid): appends `entry` (created_at = now) and
  // `audit` in one transaction, then applies the entry.
  Result<void> AppendOperatorRevocation(RevocationEntry entry, const AuditEvent& audit,
                                        std::int64_t now);

  // --- session_family.cc ---
  // When every access token minted now will be past exp + leeway: how long a sid/version
  // entry must live.
  std::int64_t DenyHorizon(std::int64_t now) const;
  // The refresh deadline: idle expiry, capped by the absolute lifetime when there is one.
  static std::int64_t Deadline(const Session& session);
  static bool Expired(const Session& session, std::int64_t now);
  // A new refresh token (generation = session.generation) and access token for `session`.
  Result<MintedPair> MintPair(const Session& session, std::int64_t ver, std::int64_t now) const;
  // Marks the family revoked, forgets sealed successors and, with the denylist strategy, appends
  // a kSession entry so the session's access tokens are refused. No-op if already ended.
  Result<void> EndFamily(StoreTx& tx, Session session, std::string_view reason, std::int64_t now,
                         Revocations* out) const;
  // With the denylist strategy, appends the kSession entry refusing the sid's access tokens.
  Result<void> DenySession(StoreTx& tx, std::string_view sid, std::int64_t now,
                           Revocations* out) const;
  // Ends every live family of the user except `keep_sid` (empty: none kept).
  Result<void> EndUserFamilies(StoreTx& tx, std::int64_t user_id, std::string_view keep_sid,
                               std::string_view reason, std::int64_t now, Revocations* out) const;
  // With the version strategy: bumps the user's token version and appends the kUserVersion
  // entry. Without: leaves it. Returns the version new tokens must carry.
  Result<std::int64_t> BumpVersion(StoreTx& tx, std::int64_t user_id, std::int64_t now,
                                   Revocations* out) const;
  static AuditEvent MakeAudit(std::string_view event, std::string_view reason,
                              std::optional<std::int64_t> user_id, std::string_view sid,
                              std::string_view client_ip, std::int64_t now);

  // --- logout.cc ---
  // Logout-all and RevokeUser: bump the version, end every family but `keep_sid`, which (if
  // still live) moves to a new generation whose pair is returned in *fresh_pair.
  Result<void> RevokeUserFamilies(std::int64_t user_id, std::string_view keep_sid,
                                  std::string_view event, std::string_view actor,
                                  const ClientInfo& client,
                                  std::optional<TokenResponse>* fresh_pair);
  Result<void> RenewSession(StoreTx& tx, std::int64_t user_id, std::string_view sid,
                            std::int64_t ver, std::int64_t now, Revocations* revocations,
                            std::optional<TokenResponse>* fresh_pair) const;

  // --- registration_login.cc ---
  Result<TokenResponse> StartSession(std::int64_t user_id, std::string_view scope,
                                     const ClientInfo& client);
  Result<void> RecordLoginFailure(std::optional<std::int64_t> user_id, std::string_view reason,
                                  const ClientInfo& client);

  // --- refresh_rotation.cc ---
  Result<void> RefreshInTx(StoreTx& tx, std::string_view token, std::string_view hash,
                           std::int64_t now, const ClientInfo& client, RefreshOutcome* out) const;
  Result<void> RotateInTx(StoreTx& tx, std::string_view token, RefreshRecord record,
                          const Session& session, std::int64_t now, const ClientInfo& client,
                          RefreshOutcome* out) const;
  bool InGraceWindow(const RefreshRecord& record, const Session& session, std::int64_t now) const;
  Result<void> ReplayInTx(StoreTx& tx, std::string_view token, const RefreshRecord& record,
                          const Session& session, std::int64_t now, const ClientInfo& client,
                          RefreshOutcome* out) const;
  Result<void> ReuseInTx(StoreTx& tx, const Session& session, std::int64_t now,
                         const ClientInfo& client, RefreshOutcome* out) const;

  // --- revoke.cc ---
  // RFC 7009 for access tokens: true if `token` is one of ours (whatever its state).
  Result<bool> RevokeAccessToken(std::string_view token, const ClientInfo& client);
  // RFC 7009 for refresh tokens: true if `token` is one of ours; its family is ended.
  Result<bool> RevokeRefreshToken(std::string_view token, const ClientInfo& client);

  // --- introspection.cc ---
  Result<Introspection> IntrospectAccess(std::string_view token);
  Result<Introspection> IntrospectRefresh(std::string_view token);

  // Immutable after construction.
  const AuthOptions options_;
  Store* const store_;
  KeyRing* const keys_;
  const Clock* const clock_;
  // Up to when expired revocation state may be dropped from the view: a forward step of the wall
  // clock must not drop what a step back would need again (jwtd/clock.h).
  const ForgetHorizon forget_{clock_};
  RevocationBus* const bus_;  // may be null
  const std::unique_ptr<PasswordHasher> hasher_;
  const AccessTokenIssuer issuer_;

  // Own synchronisation.
  const std::unique_ptr<RevocationView> owned_view_;  // null when the caller supplied the view
  RevocationView* const view_;
  RevocationSync* const sync_;                       // may be null (single node)
  const std::unique_ptr<VerifiedTokenCache> cache_;  // null when disabled
  LoginLimiter limiter_;
};

}  // namespace jwtd::auth
