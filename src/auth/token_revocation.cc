#include "token_revocation.h"

#include <string>

#include "jwtd/auth/user_id.h"
#include "refresh_lookup.h"
#include "refresh_token.h"
#include "revocation_entries.h"

namespace jwtd::auth {

Result<void> TokenRevocation::Revoke(std::string_view token, TokenHint hint,
                                     const ClientInfo& client) const {
  // RFC 7009 §2.1: the hint only orders the search; a wrong hint still finds the token.
  const bool refresh_first = hint == TokenHint::kRefreshToken;
  auto first = refresh_first ? RevokeRefreshToken(token, client) : RevokeAccessToken(token, client);
  if (!first.ok()) return first.error();
  if (*first) return Ok();
  auto second =
      refresh_first ? RevokeAccessToken(token, client) : RevokeRefreshToken(token, client);
  if (!second.ok()) return second.error();
  return Ok();
}

Result<bool> TokenRevocation::RevokeAccessToken(std::string_view token,
                                                const ClientInfo& client) const {
  auto verifier = keys_->verifier();
  if (token.empty() || token.size() > verifier->options().max_token_bytes) return false;
  // Ours if our key signed it; expiry is irrelevant here (an expired token needs nothing).
  auto claims = verifier->VerifySignature(token);
  if (!claims.ok()) return false;
  const std::int64_t now = clock_->NowSeconds();
  const std::int64_t until = claims->exp() + options_.leeway_seconds;
  if (until <= now || claims->jti().empty()) return true;
  const std::optional<std::int64_t> user_id = ParseUserId(claims->sub());
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    AuditReason reason = AuditReason::kAccessTokenNotRevocable;  // without the denylist
    if (options_.strategies.denylist) {
      reason = AuditReason::kJtiDenied;
      JWTD_RETURN_IF_ERROR(batch.Append(JtiDenial(claims->jti(), until, now)));
    }
    return batch.tx().AppendAudit(
        MakeAudit(AuditKind::kRevoke, reason, user_id, claims->sid(), client.address, now));
  });
  if (!committed.ok()) return committed.error();
  return true;
}

Result<bool> TokenRevocation::RevokeRefreshToken(std::string_view token,
                                                 const ClientInfo& client) const {
  if (!PlausibleRefreshToken(token)) return false;
  const std::string hash = HashRefreshToken(token);
  const std::int64_t now = clock_->NowSeconds();
  bool ours = false;
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    auto family = LockRefreshFamily(batch.tx(), hash);
    if (!family.ok()) return family.error();
    ours = family->has_value();
    if (!ours || !(*family)->session.live()) return Ok();
    const Session& session = (*family)->session;
    JWTD_RETURN_IF_ERROR(families_->End(batch, session, EndReason::kRevoked, now));
    return batch.tx().AppendAudit(MakeAudit(AuditKind::kRevoke, AuditReason::kFamilyRevoked,
                                            session.user_id, session.id, client.address, now));
  });
  if (!committed.ok()) return committed.error();
  return ours;
}

}  // namespace jwtd::auth
