// jwtd::jose::KeySet — an immutable set of keys indexed by kid (a JWK Set, RFC 7517 §5).
// Safe to share between threads; swap a whole set (shared_ptr) to rotate keys.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/jose/key.h"
#include "jwtd/result.h"

namespace jwtd::jose {

class KeySet {
 public:
  // kAlreadyExists on a duplicate kid.
  static Result<std::shared_ptr<const KeySet>> Of(std::vector<std::shared_ptr<const Key>> keys);
  // Parses {"keys":[...]}; every key must import (Key::FromJwk) and carry an "alg" or be
  // importable with `alg_if_absent`. kInvalidArgument (kBadKey, kWeakKey, ...) if one does not;
  // kAlreadyExists on a duplicate kid.
  static Result<std::shared_ptr<const KeySet>> FromJwks(
      std::string_view jwks_json, std::optional<Alg> alg_if_absent = std::nullopt);

  // The key with this kid, or null. O(log n) binary search; no allocation.
  const Key* Find(std::string_view kid) const;
  std::span<const std::shared_ptr<const Key>> keys() const { return keys_; }
  // {"keys":[...]} with the public keys only; symmetric keys are never published.
  std::string ToPublicJwks() const;

 private:
  explicit KeySet(std::vector<std::shared_ptr<const Key>> keys);
  std::vector<std::shared_ptr<const Key>> keys_;  // sorted by kid
};

}  // namespace jwtd::jose
