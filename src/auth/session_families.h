// Session families (RFC 9700 §4.14.2): one login session = one refresh-token family. The
// building blocks every flow composes inside one transaction: lifetimes, minting a token pair,
// ending a family, ending every family of a user (in pages, however many there are), and the
// per-user version bump — each appending what it revokes to the flow's RevocationBatch.
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "access_token_issuer.h"
#include "jwtd/auth/audit.h"
#include "jwtd/auth/model.h"
#include "jwtd/auth/options.h"
#include "jwtd/auth/ports.h"
#include "jwtd/auth/token_service.h"
#include "revocation_commit.h"
#include "successor_seal.h"

namespace jwtd::auth {

// A freshly minted token pair for a session, not yet stored.
struct MintedPair {
  TokenResponse response;
  RefreshRecord record;       // the new refresh token's row (state current)
  SuccessorPair sealed_form;  // what a grace-window replay would get back
};

// "DPoP" for a session bound to a key (its access tokens carry cnf.jkt), else "Bearer".
inline const char* TokenTypeOf(const Session& session) {
  return session.dpop_jkt.empty() ? "Bearer" : "DPoP";
}

// The refresh deadline: idle expiry, capped by the absolute lifetime when there is one.
std::int64_t RefreshDeadline(const Session& session);
bool SessionExpired(const Session& session, std::int64_t now);

class SessionFamilies {
 public:
  // `issuer` must outlive this.
  SessionFamilies(const AuthOptions& options, const AccessTokenIssuer* issuer)
      : options_(options), issuer_(issuer) {}

  // When every access token minted up to `now` is past exp + leeway: how long a sid or
  // version entry must live.
  std::int64_t DenyHorizon(std::int64_t now) const;

  // A new refresh token (generation = session.generation) and access token for `session`.
  [[nodiscard]] Result<MintedPair> MintPair(const Session& session, std::int64_t ver,
                                            std::int64_t now) const;
  // Marks the family ended, forgets its sealed successors, emits the session-revoked event and,
  // with the denylist strategy, appends the kSession entry refusing its access tokens. No-op if
  // it has ended already.
  [[nodiscard]] Result<void> End(RevocationBatch& batch, Session session, EndReason reason,
                                 std::int64_t now) const;
  // With the denylist strategy, appends the kSession entry refusing the sid's access tokens.
  [[nodiscard]] Result<void> DenySession(RevocationBatch& batch, std::string_view sid,
                                         std::int64_t now) const;
  // Ends every live family of the user but `keep_sid` (empty: none kept), a page at a time, so
  // memory stays bounded whatever the count. The caller has locked the user (LockUser), so no
  // session is created meanwhile, and emits one user-wide event (none per session here). With
  // the version strategy the bump already refuses every access token of these sessions: no
  // kSession entry per session is appended.
  [[nodiscard]] Result<void> EndAllOfUser(RevocationBatch& batch, std::int64_t user_id,
                                          std::string_view keep_sid, EndReason reason,
                                          bool version_bumped, std::int64_t now) const;
  // With the version strategy: bumps the user's token version and appends the kUserVersion
  // entry. Without: leaves it. Returns the version new tokens must carry. kNotFound: no user.
  [[nodiscard]] Result<std::int64_t> BumpVersion(RevocationBatch& batch, std::int64_t user_id,
                                                 std::int64_t now) const;

  // The user-wide end every flow that ends all of a user's sessions shares (logout-all, the
  // operator's revoke of a user, disable, a password change or reset): locks the user, bumps the
  // version, ends every family but `keep_sid` (empty: none kept) and emits one user-wide
  // session-revoked event. Returns the version new tokens must carry; kNotFound: no user.
  [[nodiscard]] Result<std::int64_t> EndEverySession(RevocationBatch& batch, std::int64_t user_id,
                                                     std::string_view keep_sid, EndReason reason,
                                                     std::int64_t now) const;
  // The kept session's new access token after EndEverySession, carrying `ver`: no refresh token
  // (the session keeps the one it holds) and an exp no later than the caller's (principal.exp).
  // nullopt when the session turned out not to survive (ended or expired meanwhile: then it is
  // ended like the others, with `reason`).
  [[nodiscard]] Result<std::optional<TokenResponse>> RenewKept(RevocationBatch& batch,
                                                               const Principal& principal,
                                                               std::int64_t ver, EndReason reason,
                                                               std::int64_t now) const;
  // The audit reason of a user-wide end: version_bumped with the version strategy, else
  // family_revoked.
  AuditReason UserWideEndReason() const;

  const AccessTokenIssuer& issuer() const { return *issuer_; }

 private:
  Result<void> EndLive(RevocationBatch& batch, Session session, EndReason reason, std::int64_t now,
                       bool deny_sid, bool emit) const;

  const AuthOptions& options_;
  const AccessTokenIssuer* const issuer_;
};

// The outbox event of ended sessions: one session (`sid`), or every session of the user (empty).
SecurityEvent SessionRevoked(std::int64_t user_id, std::string_view sid, EndReason reason,
                             std::int64_t now);

// An audit row (never a token, password or key in it).
AuditEvent MakeAudit(AuditKind kind, AuditReason reason, std::optional<std::int64_t> user_id,
                     std::string_view sid, std::string_view client_ip, std::int64_t now,
                     std::string detail = {});

}  // namespace jwtd::auth
