// The use case behind jwtd/auth/bulk_revocation.h: one page of a mass logout in one transaction
// through the revocation funnel (revocation_commit.h), the job's offset moved in that same
// transaction.
//
// Thread-safety: immutable after construction; serves all threads. Two callers sending pages of
// one job at once are ordered by the job row's lock: one applies, the other sees the new offset.
#pragma once

#include <string_view>

#include "jwtd/auth/bulk_revocation.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class BulkRevocation {
 public:
  // Every pointer must outlive this.
  BulkRevocation(const RevocationCommitter* committer, const SessionFamilies* families,
                 const Clock* clock)
      : committer_(committer), families_(families), clock_(clock) {}

  // kInvalidArgument for a malformed job name, a negative offset, or an empty or oversized page
  // (nothing changes). An unknown user is reported in the result, not an error.
  [[nodiscard]] Result<BulkPageResult> RevokePage(const BulkRevocationPage& page,
                                                  std::string_view actor) const;

 private:
  const RevocationCommitter* const committer_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
