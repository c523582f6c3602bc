// DpopReplayCache — the proofs accepted recently, so a copy of one is refused (RFC 9449 §11.1).
//
// Two generations, each `generation_seconds` long (the proof window plus the skew): inserts go
// to the current one; when it is over the current becomes the previous and the previous is
// dropped whole. A proof accepted at t is remembered until at least t + generation_seconds, when
// its iat can no longer pass the window — and nothing is ever deleted one by one, so each
// generation is a flat open-addressing table of 16-byte keys (SHA-256 of jkt and jti, truncated)
// without tombstones: 32 bytes a proof at the table's worst load, a third of a node-based set.
//
// Thread-safety: all methods lock one mutex (an insert is a hash and a probe; the proof's
// signature check, hundreds of times longer, happens before it, outside the lock).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace jwtd::auth {

class DpopReplayCache {
 public:
  enum class Insert : std::uint8_t { kNew, kSeen, kFull };
  using Key = std::array<std::uint64_t, 2>;  // {0, 0} marks an empty slot

  // The 16-byte digest a proof is remembered by (SHA-256 of jkt NUL jti, truncated); also the
  // proof's name in the shared ledger (DpopReplayLedger), so every node names it alike.
  static Key KeyOf(std::string_view jkt, std::string_view jti);

  // At most `max_entries` proofs in both generations together (each generation holds half).
  DpopReplayCache(std::int64_t generation_seconds, std::size_t max_entries);

  // Records (jkt, jti) at `now` (seconds): kSeen when it was recorded before and not yet
  // forgotten, kFull when the current generation holds its half of max_entries (nothing stored).
  Insert Add(std::string_view jkt, std::string_view jti, std::int64_t now) {
    return Add(KeyOf(jkt, jti), now);
  }
  Insert Add(const Key& key, std::int64_t now);

  std::size_t size() const;
  std::size_t bytes() const;

 private:
  // One generation: linear probing in a power-of-two table, kept at most half full.
  struct Table {
    std::vector<Key> slots;
    std::size_t count = 0;
    bool Contains(const Key& key) const;
    void Put(const Key& key);  // requires !Contains(key) and room
    void Grow();
    void Clear();
  };

  void Advance(std::int64_t now);  // caller holds mu_

  const std::int64_t generation_seconds_;
  const std::size_t max_per_generation_;
  mutable std::mutex mu_;
  Table current_, previous_;         // guarded by mu_
  std::int64_t current_start_ = -1;  // guarded by mu_; -1 before the first insert
};

}  // namespace jwtd::auth
