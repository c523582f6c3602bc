// Value types of the session domain, shared by the domain (auth) and the store adapters.
// Plain records that stores read and write; they hold no secrets in clear: passwords only as
// Argon2id hashes, refresh tokens only as SHA-256 hashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace jwtd::auth {

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // libsodium crypto_pwhash_str (Argon2id) encoding
  bool disabled = false;
  std::int64_t token_version = 1;  // access tokens with ver < this are refused ("version")
  std::int64_t created_at = 0;
};

// One login session = one refresh-token family (RFC 9700 §4.14.2).
struct Session {
  std::string id;  // the "sid" claim: 128 random bits, base64url
  std::int64_t user_id = 0;
  std::int64_t generation = 0;  // generation of the current refresh token
  std::int64_t created_at = 0;
  std::int64_t last_used_at = 0;
  std::int64_t idle_expires_at = 0;      // refresh lifetime, renewed on every rotation
  std::int64_t absolute_expires_at = 0;  // 0: no absolute lifetime
  std::int64_t revoked_at = 0;           // 0: live
  std::string revoked_reason;            // machine-readable, e.g. "logout", "reuse_detected"
  std::string scope;
  std::string user_agent;
  std::string client_ip;
  // RFC 9449 §5: the RFC 7638 thumbprint of the key the session's refresh tokens are bound to
  // (the DPoP proof of its login); empty: not bound. Fixed at login.
  std::string dpop_jkt;
  bool live() const { return revoked_at == 0; }
};

// Where a page of one user's sessions starts: after the session (created_at, id) last seen, in
// the order newest first (created_at descending, then id descending).
struct SessionCursor {
  std::int64_t created_at = 0;
  std::string id;
};

enum class RefreshState : std::uint8_t { kCurrent = 0, kRotated = 1 };

// One refresh token of a family, stored by hash only.
struct RefreshRecord {
  std::string token_hash;  // SHA-256 of the token, raw 32 bytes
  std::string session_id;
  std::int64_t generation = 0;
  RefreshState state = RefreshState::kCurrent;
  std::int64_t created_at = 0;
  std::int64_t rotated_at = 0;  // when it was exchanged for its successor
  // The successor pair, sealed (AEAD) with a key derived from this token, so only the holder of
  // this token can open it; kept only for the grace window. Empty when none.
  std::string sealed_successor;
};

enum class RevocationKind : std::uint8_t {
  kJti = 1,          // key: the jti; refuses one access token
  kSession = 2,      // key: the sid; refuses every access token of the session
  kUserVersion = 3,  // key: the user id (decimal); value: the minimum valid ver
  kKey = 4,          // key: a signing key's kid, revoked in an emergency
};

// One row of the revocation log: durable, ordered by seq, fanned out to every node's view.
struct RevocationEntry {
  std::int64_t seq = 0;  // assigned by the store on append
  RevocationKind kind = RevocationKind::kJti;
  std::string key;
  std::int64_t value = 0;
  std::int64_t expires_at = 0;  // after this the entry can no longer matter (token exp)
  std::int64_t created_at = 0;
};

// What happened to a user's sessions or credentials, to tell relying parties (OpenID Shared
// Signals / CAEP): written in the same transaction as the change itself (an outbox), so a 2xx on
// a logout means the event will be delivered, and delivered later by the transmitter.
enum class SecurityEventKind : std::uint8_t {
  kSessionRevoked = 1,    // CAEP session-revoked: one session (session_id) or all of the user's
  kCredentialChange = 2,  // CAEP credential-change: the user's password changed
  kVerification = 3,      // SSF verification: asked for by one stream's receiver (stream_id)
};

struct SecurityEvent {
  std::int64_t id = 0;  // assigned by the store, increasing
  SecurityEventKind kind = SecurityEventKind::kSessionRevoked;
  std::int64_t user_id = 0;
  std::string session_id;  // kSessionRevoked: the session; empty: every session of the user
  std::string reason;      // machine-readable EndReason names (kCredentialChange:
                           // password_changed by the user, password_reset by an operator;
                           // kVerification: the receiver's opaque state)
  std::int64_t at = 0;     // when it happened (Unix seconds)
  std::string stream_id;   // kVerification: the one stream it is for; empty: every stream
  std::string txn;         // the transaction that wrote it (the SET's txn claim); may be empty
};

struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t at = 0;
  std::string event;   // login_succeeded, login_failed, refresh, reuse_detected, logout, ...
  std::string reason;  // machine-readable: family_revoked, version_bumped, jti_denied, ...
  std::optional<std::int64_t> user_id;
  std::string session_id;
  std::string client_ip;
  std::string detail;  // short, never a token, password or key
};

struct AuditFilter {
  std::optional<std::int64_t> user_id;
  std::string event;  // empty: any
  std::int64_t since = 0;
  std::size_t limit = 100;
};

}  // namespace jwtd::auth
