#include "bulk_revocation.h"

#include <algorithm>
#include <string>

#include "credentials_policy.h"

namespace jwtd::auth {
namespace {

Error BadPage(std::string message) {
  return Error(Code::kInvalidArgument, Reason::kBadRequest, std::move(message));
}

Result<void> ValidatePage(const BulkRevocationPage& page) {
  if (!IsValidBulkJob(page.job)) {
    return BadPage("job must be 1 to 128 visible ASCII characters (no spaces)");
  }
  if (page.offset < 0) return BadPage("offset must be >= 0");
  if (page.users.empty() || page.users.size() > BulkRevocationPage::kMaxUsers) {
    return BadPage("a page holds 1 to 1000 users");
  }
  return Ok();
}

// The user's id, or 0 when there is no such user. A name that could never be registered names
// nobody, and is not sent to the store.
Result<std::int64_t> Resolve(StoreTx& tx, const BulkUser& user) {
  if (user.id > 0) {
    auto found = tx.FindUserById(user.id);
    if (!found.ok()) return found.error();
    return found->has_value() ? user.id : 0;
  }
  if (!ValidateUsername(user.username).ok()) return std::int64_t{0};
  auto found = tx.FindUserByName(user.username);
  if (!found.ok()) return found.error();
  return found->has_value() ? (*found)->id : 0;
}

}  // namespace

bool IsValidBulkJob(std::string_view job) {
  return !job.empty() && job.size() <= BulkRevocationPage::kMaxJobLength &&
         std::all_of(job.begin(), job.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

Result<BulkPageResult> BulkRevocation::RevokePage(const BulkRevocationPage& page,
                                                  std::string_view actor) const {
  JWTD_RETURN_IF_ERROR(ValidatePage(page));
  const std::int64_t now = clock_->NowSeconds();
  const auto count = static_cast<std::int64_t>(page.users.size());
  const std::string detail = "actor=" + std::string(actor) + " job=" + page.job;
  BulkPageResult result;
  auto committed = committer_->Commit([&](RevocationBatch& batch) -> Result<void> {
    result = BulkPageResult();  // a retried attempt starts over
    auto at = batch.tx().LockBulkJob(page.job, now);
    if (!at.ok()) return at.error();
    result.next_offset = *at;
    if (page.offset + count <= *at) {
      result.status = BulkPageStatus::kAlreadyDone;
      return Ok();
    }
    if (page.offset != *at) {
      result.status = BulkPageStatus::kNotNext;
      return Ok();
    }
    for (std::size_t i = 0; i < page.users.size(); ++i) {
      auto id = Resolve(batch.tx(), page.users[i]);
      if (!id.ok()) return id.error();
      if (*id == 0) {
        result.unknown.push_back(i);
        continue;
      }
      auto ended = families_->EndEverySession(batch, *id, "", EndReason::kUserRevoked, now);
      if (!ended.ok()) return ended.error();
      JWTD_RETURN_IF_ERROR(batch.tx().AppendAudit(MakeAudit(
          AuditKind::kRevokeUser, families_->UserWideEndReason(), *id, "", "", now, detail)));
      ++result.revoked;
    }
    result.next_offset = page.offset + count;
    return batch.tx().SetBulkJobOffset(page.job, result.next_offset, now);
  });
  if (!committed.ok()) return committed.error();
  return result;
}

}  // namespace jwtd::auth
