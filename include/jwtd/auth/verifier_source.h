// jwtd::auth::VerifierSource — where an access check gets the current jose::Verifier (keys plus
// verify options): jwtd's KeyRing, or a resource server's JWKS. The verifier may change at any
// time (rotation, a JWKS refetch); callers take a snapshot per check.
//
// Thread-safety: verifier() is called from every request thread and must be thread-safe.
#pragma once

#include <memory>

#include "jwtd/jose/verifier.h"

namespace jwtd::auth {

class VerifierSource {
 public:
  virtual ~VerifierSource() = default;
  // Never null once the source is constructed.
  virtual std::shared_ptr<const jose::Verifier> verifier() const = 0;
  // A token named a kid the verifier does not hold (kUnknownKid): a source that fetches its keys
  // may fetch them again soon (rate-limited; the token itself is refused). Must not block.
  virtual void OnUnknownKid() const {}
};

// A source that always answers with `verifier` (a resource server with a fixed JWKS, tests).
std::unique_ptr<VerifierSource> FixedVerifierSource(std::shared_ptr<const jose::Verifier> verifier);

}  // namespace jwtd::auth
