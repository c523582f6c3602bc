// The vocabulary of the security event trail, as types: what happened (AuditKind), why or how
// (AuditReason), and why a session ended (EndReason, stored as the session's revoked_reason).
// Each has one stable snake_case name — the strings stored in the audit table and shown by
// `jwtd audit` — so no site spells them by hand. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jwtd::auth {

enum class AuditKind : std::uint8_t {
  kUserRegistered,  // a new account (POST /v1/users or `jwtd users add`)
  kLoginSucceeded,
  kLoginFailed,
  kRefresh,        // a refresh token was exchanged (rotated, or a grace replay)
  kReuseDetected,  // a spent refresh token came back: its family was ended
  kLogout,         // one session ended by its holder (access or refresh token)
  kLogoutAll,      // every session of the user ended by the user
  kSessionEnded,   // one of the user's sessions ended from another (DELETE /v1/sessions/{id})
  kRevoke,         // RFC 7009 revocation, or an operator's revocation of a jti or session
  kRevokeUser,     // an operator ended every session of a user
  kUserDisabled,   // the account was disabled (and every session ended)
  kUserEnabled,
  kKeyRevoked,            // a signing key was revoked in an emergency
  kPasswordChanged,       // the user changed the password (every other session ended)
  kPasswordChangeFailed,  // a password change refused: the current password was wrong
  kPasswordReset,         // an operator set the password (every session ended)
};

enum class AuditReason : std::uint8_t {
  kNone,
  kPassword,                 // login: by password
  kBadPassword,              // login failed: wrong password
  kUnknownUser,              // login failed: no such user
  kUserDisabled,             // login or refresh refused: the account is disabled
  kRotated,                  // refresh: a new generation
  kGraceReplay,              // refresh: the same successor again, inside the grace window
  kFamilyRevoked,            // a refresh family (session) was ended
  kAlreadyEnded,             // logout of a session that had already ended
  kSessionMissing,           // logout of a session whose row is gone: its sid is still denied
  kVersionBumped,            // every access token of the user refused by the version strategy
  kJtiDenied,                // one access token refused by its jti
  kAccessTokenNotRevocable,  // RFC 7009 of an access token without the denylist strategy
  kKeyRevoked,               // a signing key left the ring and its tokens are refused
};

enum class EndReason : std::uint8_t {
  kLogout,           // the session's holder logged out
  kLogoutAll,        // the user logged out everywhere
  kSessionEnded,     // the user ended it from another session
  kReuseDetected,    // its refresh token was replayed (theft assumed)
  kRevoked,          // RFC 7009 revocation of its refresh token
  kOperatorRevoked,  // `jwtd revoke --session`
  kUserRevoked,      // `jwtd revoke --user-id/--username`
  kUserDisabled,     // `jwtd users disable`
  kPasswordChanged,  // the user changed the password (POST /v1/password)
  kPasswordReset,    // `jwtd users set-password`
};

std::string_view AuditKindName(AuditKind kind);
std::string_view AuditReasonName(AuditReason reason);  // "" for kNone
std::string_view EndReasonName(EndReason reason);
// The kind named `name` (for `jwtd audit --event`); nullopt for an unknown name.
std::optional<AuditKind> ParseAuditKind(std::string_view name);

}  // namespace jwtd::auth
