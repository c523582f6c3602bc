// Refresh (POST /oauth/token; design: docs/architecture.md "Refresh rotation", RFC 9700
// §4.14.2): one transaction per presented token, after the refresh lookup has locked its
// session (refresh_lookup.h), so concurrent refreshes of one family are single-flight:
//   current generation       -> rotate: spend it, mint generation + 1
//   just rotated, in grace   -> the sealed successor, byte for byte (no second branch)
//   anything else            -> reuse: the whole family is ended (theft assumed)
//
// Thread-safety: immutable after construction; serves all threads.
#pragma once

#include <string_view>

#include "jwtd/auth/options.h"
#include "jwtd/auth/token_service.h"
#include "jwtd/clock.h"
#include "refresh_lookup.h"
#include "revocation_commit.h"
#include "session_families.h"

namespace jwtd::auth {

class RefreshRotation {
 public:
  // Every pointer must outlive this.
  RefreshRotation(const AuthOptions& options, const RevocationCommitter* committer,
                  const SessionFamilies* families, const Clock* clock)
      : options_(options), committer_(committer), families_(families), clock_(clock) {}

  // The new pair; kUnauthenticated with kRefreshUnknown / kRefreshExpired / kRefreshRevoked /
  // kRefreshReused (the family is then ended, durably, before this returns) / kUserDisabled.
  [[nodiscard]] Result<TokenResponse> Refresh(std::string_view refresh_token,
                                              const ClientInfo& client) const;

 private:
  // What one attempt decided. The reuse path must commit its revocation (the body returns ok)
  // and still answer with an error.
  struct Outcome {
    std::optional<TokenResponse> tokens;
    std::optional<Error> error;
  };

  Result<void> Decide(RevocationBatch& batch, std::string_view token, const RefreshFamily& family,
                      std::int64_t now, const ClientInfo& client, Outcome* out) const;
  Result<void> Rotate(RevocationBatch& batch, std::string_view token, RefreshRecord record,
                      const Session& session, std::int64_t now, const ClientInfo& client,
                      Outcome* out) const;
  bool InGraceWindow(const RefreshRecord& record, const Session& session, std::int64_t now) const;
  Result<void> Replay(RevocationBatch& batch, std::string_view token, const RefreshRecord& record,
                      const Session& session, std::int64_t now, const ClientInfo& client,
                      Outcome* out) const;
  Result<void> Reuse(RevocationBatch& batch, const Session& session, std::int64_t now,
                     const ClientInfo& client, Outcome* out) const;

  const AuthOptions& options_;
  const RevocationCommitter* const committer_;
  const SessionFamilies* const families_;
  const Clock* const clock_;
};

}  // namespace jwtd::auth
