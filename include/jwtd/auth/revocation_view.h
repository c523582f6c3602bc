// jwtd::auth::RevocationView — the in-memory answer to "is this access token revoked?", read on
// every authenticated request without I/O. Fed from the durable revocation log (catch-up by seq)
// and from the bus; one applier thread writes, any number of request threads read, and readers
// never wait on a long write (sharded maps with short critical sections).
//
// It holds: denied jtis and ended sids as 16-byte digests with their expiry, per-user minimum
// token versions, and revoked key ids. Entries drop out on their own once expired (expiry
// buckets: no full scans on the request path). Reusable outside the server: a resource server
// can keep one in step with the same store and bus.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "jwtd/auth/model.h"
#include "jwtd/auth/options.h"
#include "jwtd/jose/claims.h"
#include "jwtd/result.h"

namespace jwtd::auth {

struct RevocationViewStats {
  std::size_t denied_jtis = 0;
  std::size_t ended_sessions = 0;
  std::size_t user_versions = 0;
  std::size_t revoked_keys = 0;
  std::int64_t applied_seq = 0;
  std::size_t approx_bytes = 0;  // memory held by the view
};

class RevocationView {
 public:
  virtual ~RevocationView() = default;

  static std::unique_ptr<RevocationView> Create(StrategyOptions strategies);

  // Refuses (kUnauthenticated with kJtiDenied / kSessionEnded / kVersionBumped / kKeyRevoked)
  // or accepts. Strategies switched off are not checked. Thread-safe; no allocation, no I/O.
  virtual Result<void> Check(const jose::Claims& claims) const = 0;
  // The user's minimum valid ver (1 when unknown).
  virtual std::int64_t MinVersion(std::int64_t user_id) const = 0;
  virtual bool IsSessionEnded(std::string_view sid) const = 0;
  virtual bool IsJtiDenied(std::string_view jti) const = 0;

  // Applies one entry (idempotent; a version never goes down). Advances applied_seq to
  // max(applied_seq, entry.seq); callers apply log entries in seq order. Thread-safe.
  virtual void Apply(const RevocationEntry& entry) = 0;
  // Drops entries that expired before `now`. Cheap: walks only the buckets that are due.
  virtual void Expire(std::int64_t now) = 0;

  virtual std::int64_t applied_seq() const = 0;
  virtual RevocationViewStats Stats() const = 0;
};

}  // namespace jwtd::auth
