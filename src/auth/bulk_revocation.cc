#include "bulk_revocation.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

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

// The id of each user of the page (0: no such user), names looked up in one read. A name that
// could never be registered names nobody and is not sent to the store; an id is checked where
// its sessions are ended (EndEverySession: kNotFound).
Result<std::vector<std::int64_t>> Resolve(StoreTx& tx, const std::vector<BulkUser>& users) {
  std::vector<std::string> names;
  for (const BulkUser& u : users) {
    if (u.id <= 0 && ValidateUsername(u.username).ok()) names.push_back(u.username);
  }
  std::unordered_map<std::string, std::int64_t> ids;
  if (!names.empty()) {
    auto found = tx.FindUsersByName(names);
    if (!found.ok()) return found.error();
    for (const User& user : *found) ids.emplace(user.username, user.id);
  }
  std::vector<std::int64_t> out;
  out.reserve(users.size());
  for (const BulkUser& u : users) {
    if (u.id > 0) {
      out.push_back(u.id);
      continue;
    }
    auto it = ids.find(u.username);
    out.push_back(it == ids.end() ? 0 : it->second);
  }
  return out;
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
    auto ids = Resolve(batch.tx(), page.users);
    if (!ids.ok()) return ids.error();
    for (std::size_t i = 0; i < page.users.size(); ++i) {
      const std::int64_t id = (*ids)[i];
      auto ended = id == 0
                       ? Result<std::int64_t>(Error(Code::kNotFound, Reason::kNotFound, ""))
                       : families_->EndEverySession(batch, id, "", EndReason::kUserRevoked, now);
      if (!ended.ok() && ended.error().code() == Code::kNotFound) {
        result.unknown.push_back(i);
        continue;
      }
      if (!ended.ok()) return ended.error();
      JWTD_RETURN_IF_ERROR(batch.tx().AppendAudit(MakeAudit(
          AuditKind::kRevokeUser, families_->UserWideEndReason(), id, "", "", now, detail)));
      ++result.revoked;
    }
    result.next_offset = page.offset + count;
    return batch.tx().SetBulkJobOffset(page.job, result.next_offset, now);
  });
  if (!committed.ok()) return committed.error();
  return result;
}

}  // namespace jwtd::auth
