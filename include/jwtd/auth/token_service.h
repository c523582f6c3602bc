// jwtd::auth::TokenService — the session domain behind every endpoint of api.md: register,
// login, refresh rotation with reuse detection, logout, logout-all, sessions, RFC 7009 revoke,
// RFC 7662 introspection, the operator's revocations and the per-request access check.
//
// A thin facade: each use case is its own small class in src/auth, one file each
// (docs/architecture.md lists them): login.cc, refresh_rotation.cc, session_logout.cc (logout,
// logout by refresh token, ending one session), user_logout.cc (logout-all, revoke a user,
// disable a user), bulk_revocation.cc (a page of a mass logout), token_revocation.cc (RFC 7009),
// operator_revocation.cc (jti, session, key), introspection.cc, session_queries.cc,
// password_change.cc (change and reset); the request path is jwtd/auth/access_checker.h.
//
// Thread-safety: one TokenService serves all threads. Authenticate() is the hot path: it does no
// I/O (verified-token cache + in-memory revocation view). Every other method may block on the
// store or on Argon2id and must run off the I/O threads.
//
// Every revocation is committed to the store, with its revocation-log entry, in one transaction
// before the method returns ok (src/auth/revocation_commit.h, the one funnel): an ok return
// means durable. It is then applied to the local view and published.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/access_checker.h"
#include "jwtd/auth/bulk_revocation.h"
#include "jwtd/auth/model.h"
#include "jwtd/auth/options.h"
#include "jwtd/clock.h"
#include "jwtd/jose/claims.h"
#include "jwtd/result.h"

namespace jwtd::auth {

class Store;
class KeyRing;
class RevocationView;
class RevocationBus;
class RevocationSync;

struct ClientInfo {
  std::string address;     // client IP, for rate limits and the audit trail
  std::string user_agent;  // shown in the session list
  // The thumbprint of the key whose DPoP proof came with the request, already checked by the
  // caller (jwtd/auth/dpop_guard.h); empty: none. Login binds the session to it, refresh must
  // present the session's key, and the access tokens minted carry it as cnf.jkt (RFC 9449).
  std::string dpop_jkt;
};

// RFC 6749 §5.1 token response, plus the session id.
struct TokenResponse {
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string refresh_token;
  std::int64_t refresh_expires_in = 0;
  std::string scope;
  std::string session_id;
  std::string token_type = "Bearer";  // "DPoP" when the access token is bound (RFC 9449 §5)
};

struct SessionInfo {
  std::string id;
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;
  std::string user_agent;
  bool current = false;
};

// One page of the caller's live sessions, newest first; `next` continues it (nullopt: last).
struct SessionList {
  std::vector<SessionInfo> sessions;
  std::optional<SessionCursor> next;
};

// RFC 7662 §2.2. active == false says nothing else.
struct Introspection {
  bool active = false;
  std::string token_type;              // "access_token" or "refresh_token"
  std::optional<jose::Claims> claims;  // access tokens
  std::int64_t user_id = 0;
  std::string username, sid, scope;
  std::int64_t exp = 0, iat = 0;
};

enum class TokenHint : std::uint8_t { kNone, kAccessToken, kRefreshToken };

struct Dependencies {
  Store* store = nullptr;        // required; outlives the service
  KeyRing* keys = nullptr;       // required; outlives the service
  const Clock* clock = nullptr;  // required
  RevocationBus* bus = nullptr;  // optional: publish to other nodes
  // The view and the sync that keeps it in step with the store's log (every node has one:
  // jwtd/auth/revocation_sync.h). Both null: the service makes its own pair, polling the log
  // (not started: the caller's CatchUp() calls and stale checks on requests keep it current).
  // Both set: the caller's, e.g. fed by a bus; `sync` must be `view`'s.
  RevocationView* view = nullptr;
  RevocationSync* sync = nullptr;
};

class TokenService {
 public:
  virtual ~TokenService() = default;

  // Loads the revocation view from the store's log before returning. Errors: kInvalidArgument
  // for bad options or missing dependencies (a view without its sync, or the reverse);
  // kUnavailable if the store cannot be read.
  static Result<std::unique_ptr<TokenService>> Create(AuthOptions options, Dependencies deps);

  // kPermissionDenied if registration is disabled; kAlreadyExists if taken;
  // kInvalidArgument (kBadRequest) for an unusable username or password.
  virtual Result<User> Register(std::string_view username, std::string_view password,
                                const ClientInfo& client) = 0;
  // kUnauthenticated/kBadCredentials for unknown user or wrong password (same time: a dummy
  // hash is verified for unknown users); kResourceExhausted/kRateLimited with retry_after.
  virtual Result<TokenResponse> Login(std::string_view username, std::string_view password,
                                      std::string_view scope, const ClientInfo& client) = 0;
  // The user's own password change: `current_password` is checked like a login attempt (and
  // counted by the same limiter), `new_password` must satisfy the policy. In one transaction the
  // new hash is stored, every other session of the user ends (version bumped, as logout-all with
  // except_current) and CAEP credential-change is emitted. Returns a fresh access token for the
  // calling session carrying the new ver (no refresh token; exp at most the caller's).
  // kInvalidArgument (kBadRequest) for a new password the policy refuses; kUnauthenticated with
  // kBadCredentials for a wrong current password; kResourceExhausted/kRateLimited with
  // retry_after. Any error: nothing changed.
  virtual Result<TokenResponse> ChangePassword(const Principal& principal,
                                               std::string_view current_password,
                                               std::string_view new_password,
                                               const ClientInfo& client) = 0;
  // The operator's reset (`jwtd users set-password`): stores the new password's hash and ends
  // every session of the user, in one transaction, with credential-change initiated by admin.
  // kInvalidArgument for a password the policy refuses; kNotFound for an unknown user.
  virtual Result<void> SetPassword(std::int64_t user_id, std::string_view new_password,
                                   std::string_view actor) = 0;
  // Rotates: the presented token is spent, a new pair returned. kUnauthenticated with
  // kRefreshUnknown/kRefreshExpired/kRefreshRevoked/kRefreshReused (the family is then revoked).
  virtual Result<TokenResponse> Refresh(std::string_view refresh_token,
                                        const ClientInfo& client) = 0;

  // Verifies an access token and checks the revocation view. No I/O. kUnauthenticated with
  // the precise reason (kTokenExpired, kJtiDenied, kSessionEnded, kVersionBumped, ...).
  virtual Result<Principal> Authenticate(std::string_view access_token) const = 0;

  // Ends the session of `principal` (its family revoked; with denylist its sid denied).
  virtual Result<void> Logout(const Principal& principal, const ClientInfo& client) = 0;
  // Ends the session a refresh token belongs to. Unknown or already-ended tokens: ok (idempotent).
  virtual Result<void> LogoutByRefresh(std::string_view refresh_token,
                                       const ClientInfo& client) = 0;
  // Bumps the user's token version and revokes every family (all of them, in pages). With
  // except_current, the calling session survives and gets a fresh access token carrying the new
  // ver — never a refresh token, and never one that outlives the caller's own token.
  virtual Result<std::optional<TokenResponse>> LogoutAll(const Principal& principal,
                                                         bool except_current,
                                                         const ClientInfo& client) = 0;

  // The caller's live sessions, newest first, `limit` (1..1000) at a time from `after`.
  virtual Result<SessionList> ListSessions(const Principal& principal,
                                           const std::optional<SessionCursor>& after,
                                           std::size_t limit) = 0;
  // kNotFound if the session is not the user's (or does not exist).
  virtual Result<void> EndSession(const Principal& principal, std::string_view session_id,
                                  const ClientInfo& client) = 0;

  // RFC 7009: revokes an access token (jti denied) or a refresh token (family revoked).
  // Unknown, expired and foreign tokens: ok.
  virtual Result<void> Revoke(std::string_view token, TokenHint hint, const ClientInfo& client) = 0;
  virtual Result<Introspection> Introspect(std::string_view token, TokenHint hint) = 0;
  // Introspect's answer when it is known without a store read (no blocking: fit for the I/O
  // thread); nullopt: call Introspect.
  virtual std::optional<Introspection> IntrospectWithoutStore(std::string_view token,
                                                              TokenHint hint) = 0;

  // Operator actions (CLI): by jti (until `exp`), by session, by user (every session ended,
  // version bumped). kNotFound for an unknown session or user.
  virtual Result<void> RevokeJti(std::string_view jti, std::int64_t exp,
                                 std::string_view actor) = 0;
  virtual Result<void> RevokeSession(std::string_view session_id, std::string_view actor) = 0;
  virtual Result<void> RevokeUser(std::int64_t user_id, std::string_view actor) = 0;
  // One page of a mass logout (jwtd/auth/bulk_revocation.h): one transaction.
  virtual Result<BulkPageResult> RevokeUsersPage(const BulkRevocationPage& page,
                                                 std::string_view actor) = 0;
  // Disables (every session ended, version bumped, in one transaction) or enables an account.
  // kNotFound for an unknown user.
  virtual Result<void> SetUserDisabled(std::int64_t user_id, bool disabled,
                                       std::string_view actor) = 0;
  // Emergency key revocation (`jwtd keys revoke`), one use case: a kKey entry in the revocation
  // log (durable: every node and every resource server following the log refuses tokens of
  // `kid` even while its cached JWKS still holds the key; the entry outlives any token the key
  // could have signed, a thief's far-exp ones included), then the key leaves the ring and the
  // JWKS. Idempotent: rerunning completes a half-done revocation. kNotFound for a kid the ring
  // never had; kInvalidArgument when it is the only key able to sign (rotate first).
  virtual Result<void> RevokeKey(std::string_view kid, std::string_view actor) = 0;

  virtual Result<std::optional<User>> FindUser(std::int64_t user_id) = 0;

  // Applies the store's revocation log past the sync's cursor (revocations made by the CLI or by
  // other nodes) and drops expired view entries. kUnavailable if the store cannot be read.
  virtual Result<void> CatchUp() = 0;
  virtual const AuthOptions& options() const = 0;
  // The request path's checker (for the HTTP layer's other checks, e.g. forward auth).
  virtual const AccessChecker& access_checker() const = 0;
};

}  // namespace jwtd::auth
