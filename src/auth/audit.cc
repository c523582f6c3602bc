#include "jwtd/auth/audit.h"

#include <array>
#include <utility>

namespace jwtd::auth {
namespace {

// The stored names: never change one (the audit table and operators' queries hold them).
constexpr std::array<std::pair<AuditKind, std::string_view>, 16> kKinds = {{
    {AuditKind::kUserRegistered, "user_registered"},
    {AuditKind::kLoginSucceeded, "login_succeeded"},
    {AuditKind::kLoginFailed, "login_failed"},
    {AuditKind::kRefresh, "refresh"},
    {AuditKind::kReuseDetected, "reuse_detected"},
    {AuditKind::kLogout, "logout"},
    {AuditKind::kLogoutAll, "logout_all"},
    {AuditKind::kSessionEnded, "session_ended"},
    {AuditKind::kRevoke, "revoke"},
    {AuditKind::kRevokeUser, "revoke_user"},
    {AuditKind::kUserDisabled, "user_disabled"},
    {AuditKind::kUserEnabled, "user_enabled"},
    {AuditKind::kKeyRevoked, "key_revoked"},
    {AuditKind::kPasswordChanged, "password_changed"},
    {AuditKind::kPasswordChangeFailed, "password_change_failed"},
    {AuditKind::kPasswordReset, "password_reset"},
}};

}  // namespace

std::string_view AuditKindName(AuditKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<AuditKind> ParseAuditKind(std::string_view name) {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string_view AuditReasonName(AuditReason reason) {
  switch (reason) {
    case AuditReason::kNone:
      return "";
    case AuditReason::kPassword:
      return "password";
    case AuditReason::kBadPassword:
      return "bad_password";
    case AuditReason::kUnknownUser:
      return "unknown_user";
    case AuditReason::kUserDisabled:
      return "user_disabled";
    case AuditReason::kRotated:
      return "rotated";
    case AuditReason::kGraceReplay:
      return "grace_replay";
    case AuditReason::kFamilyRevoked:
      return "family_revoked";
    case AuditReason::kAlreadyEnded:
      return "already_ended";
    case AuditReason::kSessionMissing:
      return "session_missing";
    case AuditReason::kVersionBumped:
      return "version_bumped";
    case AuditReason::kJtiDenied:
      return "jti_denied";
    case AuditReason::kAccessTokenNotRevocable:
      return "access_token_not_revocable";
    case AuditReason::kKeyRevoked:
      return "key_revoked";
  }
  return "unknown";
}

std::string_view EndReasonName(EndReason reason) {
  switch (reason) {
    case EndReason::kLogout:
      return "logout";
    case EndReason::kLogoutAll:
      return "logout_all";
    case EndReason::kSessionEnded:
      return "session_ended";
    case EndReason::kReuseDetected:
      return "reuse_detected";
    case EndReason::kRevoked:
      return "revoked";
    case EndReason::kOperatorRevoked:
      return "operator_revoked";
    case EndReason::kUserRevoked:
      return "user_revoked";
    case EndReason::kUserDisabled:
      return "user_disabled";
    case EndReason::kPasswordChanged:
      return "password_changed";
    case EndReason::kPasswordReset:
      return "password_reset";
  }
  return "unknown";
}

}  // namespace jwtd::auth
