// jwtd::auth::VerifiedTokenCache — remembers tokens whose signature has been verified, so a
// repeated token skips the signature work (ES256 verify, ~60 us) on later requests.
//
// Looked up by a keyed hash of the whole compact token and confirmed by comparing the stored
// token bytes exactly, so two different tokens never share an entry (a forged token cannot
// borrow a cached token's claims); the value is the verified jose::Claims. Entries die at the
// token's exp. Bounded: at most `capacity` entries, evicted per shard by CLOCK (second chance),
// O(1) amortised per insert.
//
// The cache skips ONLY the signature: callers still run Verifier::ValidateClaims (time, iss,
// aud, typ) and the revocation view on every use (docs/architecture.md). Nothing here knows
// about keys: the AccessChecker treats a hit whose kid has left the verifier's key set as a miss,
// so the tokens of a revoked or removed key stop passing at once although they stay cached.
//
// Thread-safety: all methods are thread-safe (one short mutex per shard). Claims are shared
// immutably (shared_ptr<const>), so a hit returned to a caller stays valid after eviction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "jwtd/clock.h"
#include "jwtd/jose/claims.h"

namespace jwtd::auth {

class VerifiedTokenCache {
 public:
  // `capacity` 0 disables the cache (Find always misses, Insert does nothing). `clock` must
  // outlive the cache.
  VerifiedTokenCache(std::size_t capacity, const Clock* clock);
  ~VerifiedTokenCache();
  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  // The claims cached for exactly this token, or null on a miss or once now >= exp.
  std::shared_ptr<const jose::Claims> Find(std::string_view token) const;
  // Caches `claims` (which must be the verified claims of `token`) until claims->exp().
  // Ignores null claims and tokens already expired.
  void Insert(std::string_view token, std::shared_ptr<const jose::Claims> claims);
  // Drops every entry.
  void Clear();
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  struct Shard;
  Shard& ShardFor(std::uint64_t hash) const;
  std::uint64_t HashOf(std::string_view token) const;

  // Immutable after construction.
  const std::size_t capacity_;
  std::array<unsigned char, 16> hash_key_{};  // SipHash-2-4 key, random per cache
  const Clock* const clock_;
  // Own synchronisation (each shard its mutex).
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace jwtd::auth
