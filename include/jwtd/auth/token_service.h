// jwtd::auth::TokenService — the session domain behind every endpoint of api.md: register,
// login, refresh rotation with reuse detection, logout, logout-all, sessions, RFC 7009 revoke,
// RFC 7662 introspection and the per-request access check.
//
// Thread-safety: one TokenService serves all threads. Authenticate() is the hot path: it does no
// I/O (verified-token cache + in-memory revocation view). Every other method may block on the
// store or on Argon2id and must run off the I/O threads.
//
// Every revocation (logout, logout-all, session delete, reuse detection, revoke) is committed to
// the store, with its revocation-log entry, in one transaction before the method returns ok:
// an ok return means durable. It is then applied to the local view and published.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

// RFC 6749 §5.1 token response, plus the session id.
struct TokenResponse {
  std::string access_token;
  std::int64_t expires_in = 0;
  std::string refresh_token;
  std::int64_t refresh_expires_in = 0;
  std::string scope;
  std::string session_id;
};

// The caller of an authenticated request, from a verified, unrevoked access token.
struct Principal {
  std::int64_t user_id = 0;
  std::string sid;
  std::string jti;
  std::int64_t ver = 0;
  std::int64_t exp = 0;
  std::string scope;
};

struct SessionInfo {
  std::string id;
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;
  std::string user_agent;
  bool current = false;
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
  // Optional: a view the caller owns and keeps in step with the bus (multi-node). Create()
  // catches it up from the store's log; null: the service creates and owns its own.
  RevocationView* view = nullptr;
  // Optional (multi-node): keeps `view` in step with the bus and the store's log and says
  // whether it may be trusted. When set, `view` must be set too (the sync's view): Authenticate
  // calls sync->EnsureFresh() before the view check, local revocations go through
  // sync->ApplyLocal(), and CatchUp() delegates to sync->CatchUp().
  RevocationSync* sync = nullptr;
};

class TokenService {
 public:
  virtual ~TokenService() = default;

  // Loads the revocation view from the store's log before returning. Errors: kInvalidArgument
  // for bad options or missing dependencies; kUnavailable if the store cannot be read.
  static Result<std::unique_ptr<TokenService>> Create(AuthOptions options, Dependencies deps);

  // kPermissionDenied if registration is disabled; kAlreadyExists if taken;
  // kInvalidArgument (kBadRequest) for an unusable username or password.
  virtual Result<User> Register(std::string_view username, std::string_view password,
                                const ClientInfo& client) = 0;
  // kUnauthenticated/kBadCredentials for unknown user or wrong password (same time: a dummy
  // hash is verified for unknown users); kResourceExhausted/kRateLimited with retry_after.
  virtual Result<TokenResponse> Login(std::string_view username, std::string_view password,
                                      std::string_view scope, const ClientInfo& client) = 0;
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
  // Bumps the user's token version and revokes every family. With except_current, the calling
  // session survives and gets a fresh token pair (carrying the new ver).
  virtual Result<std::optional<TokenResponse>> LogoutAll(const Principal& principal,
                                                         bool except_current,
                                                         const ClientInfo& client) = 0;

  virtual Result<std::vector<SessionInfo>> ListSessions(const Principal& principal) = 0;
  // kNotFound if the session is not the user's (or does not exist).
  virtual Result<void> EndSession(const Principal& principal, std::string_view session_id,
                                  const ClientInfo& client) = 0;

  // RFC 7009: revokes an access token (jti denied) or a refresh token (family revoked).
  // Unknown, expired and foreign tokens: ok.
  virtual Result<void> Revoke(std::string_view token, TokenHint hint, const ClientInfo& client) = 0;
  virtual Result<Introspection> Introspect(std::string_view token, TokenHint hint) = 0;

  // Operator actions (CLI): by jti (until `exp`), by session, by user (logout-all).
  virtual Result<void> RevokeJti(std::string_view jti, std::int64_t exp,
                                 std::string_view actor) = 0;
  virtual Result<void> RevokeSession(std::string_view session_id, std::string_view actor) = 0;
  virtual Result<void> RevokeUser(std::int64_t user_id, std::string_view actor) = 0;
  // Emergency key revocation (`jwtd keys revoke`): a kKey entry in the revocation log, so every
  // node and every resource server following the log refuses tokens of `kid` even while its
  // cached JWKS still holds the key. The entry outlives any token the key could have signed,
  // including ones a thief of the private key mints with a far exp.
  virtual Result<void> RevokeKey(std::string_view kid, std::string_view actor) = 0;

  virtual Result<std::optional<User>> FindUser(std::int64_t user_id) = 0;

  // Applies the store's revocation log past what the view has seen (revocations made by the CLI
  // or by other nodes) and drops expired view entries. kUnavailable if the store cannot be read.
  virtual Result<void> CatchUp() = 0;
  virtual const AuthOptions& options() const = 0;
};

}  // namespace jwtd::auth
