// VerifiedTokenCache: sharded map from a keyed 64-bit SipHash of the token to a slot holding
// the token's bytes, its claims and exp, with a per-shard CLOCK ring of slots.
//
// Why a fast hash plus an exact comparison and not a digest of the token: measured in
// bench/revocation_view_bench.cc (BM_CacheKey_*) on a 444-byte ES256 access token, SHA-256
// costs ~530 ns while SipHash-2-4 plus memcmp costs a fraction of that, and a hit is otherwise
// ~50 ns. The comparison with the stored bytes makes a false hit impossible whatever the
// hash does; the hash is keyed with a per-process random key (RandomBytes) so nobody can aim
// tokens at one bucket to evict others. The price is a copy of each token (~0.5 KiB/entry).
#include "auth/verified_token_cache.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include "jwtd/random.h"

namespace jwtd::auth {
namespace {

constexpr std::size_t kMaxShards = 16;

struct Slot {
  std::uint64_t hash = 0;
  std::string token;  // compared byte for byte on every hit
  std::shared_ptr<const jose::Claims> claims;
  std::int64_t exp = 0;
  bool referenced = false;
};

}  // namespace

struct VerifiedTokenCache::Shard {
  explicit Shard(std::size_t cap) : capacity(cap) {
    index.reserve(cap);
    slots.reserve(cap);
  }

  // Picks the slot to overwrite: the first expired or unreferenced one from the hand, clearing
  // reference bits on the way (CLOCK). Ends within two turns of the ring.
  std::size_t Victim(std::int64_t now) {
    while (true) {
      Slot& slot = slots[hand];
      const std::size_t at = hand;
      hand = (hand + 1) % slots.size();
      if (slot.exp <= now || !slot.referenced) return at;
      slot.referenced = false;
    }
  }

  const std::size_t capacity;
  mutable std::mutex mu;
  // SipHash output is uniform, so boost need not mix it again.
  struct Avalanching {
    using is_avalanching = void;
    std::size_t operator()(std::uint64_t h) const { return h; }
  };
  boost::unordered_flat_map<std::uint64_t, std::uint32_t, Avalanching> index;  // guarded by mu
  mutable std::vector<Slot> slots;                                             // guarded by mu
  std::size_t hand = 0;                                                        // guarded by mu
};

VerifiedTokenCache::VerifiedTokenCache(std::size_t capacity, const Clock* clock)
    : capacity_(capacity), clock_(clock) {
  static_assert(sizeof(hash_key_) == crypto_shorthash_siphash24_KEYBYTES);
  RandomBytes(hash_key_);
  if (capacity_ == 0) return;
  const std::size_t shards = std::min(kMaxShards, capacity_);
  for (std::size_t i = 0; i < shards; ++i) {
    // Spread the capacity so the shards add up to exactly `capacity`.
    const std::size_t cap = capacity_ / shards + (i < capacity_ % shards ? 1 : 0);
    shards_.push_back(std::make_unique<Shard>(cap));
  }
}

VerifiedTokenCache::~VerifiedTokenCache() { sodium_memzero(hash_key_.data(), hash_key_.size()); }

std::uint64_t VerifiedTokenCache::HashOf(std::string_view token) const {
  static_assert(crypto_shorthash_siphash24_BYTES == sizeof(std::uint64_t));
  std::uint64_t h;
  crypto_shorthash_siphash24(reinterpret_cast<unsigned char*>(&h),
                             reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                             hash_key_.data());
  return h;
}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardFor(std::uint64_t hash) const {
  // Middle bits pick the shard: boost's flat map takes group positions from the top bits and
  // its per-slot tag from the low byte, so those must stay varied inside a shard.
  return *shards_[(hash >> 24) % shards_.size()];
}

std::shared_ptr<const jose::Claims> VerifiedTokenCache::Find(std::string_view token) const {
  if (shards_.empty()) return nullptr;
  const std::uint64_t hash = HashOf(token);
  Shard& shard = ShardFor(hash);
  const std::int64_t now = clock_->NowSeconds();
  std::lock_guard lock(shard.mu);
  auto it = shard.index.find(hash);
  if (it == shard.index.end()) return nullptr;
  Slot& slot = shard.slots[it->second];
  if (slot.token != token) return nullptr;  // another token with the same hash
  if (slot.exp <= now) return nullptr;      // left in place; CLOCK reuses expired slots first
  slot.referenced = true;
  return slot.claims;
}

void VerifiedTokenCache::Insert(std::string_view token,
                                std::shared_ptr<const jose::Claims> claims) {
  if (shards_.empty() || claims == nullptr) return;
  const std::int64_t now = clock_->NowSeconds();
  const std::int64_t exp = claims->exp();
  if (exp <= now) return;
  const std::uint64_t hash = HashOf(token);
  Shard& shard = ShardFor(hash);
  std::shared_ptr<const jose::Claims> evicted;  // released after the lock
  std::lock_guard lock(shard.mu);
  std::size_t at;
  if (auto it = shard.index.find(hash); it != shard.index.end()) {
    at = it->second;  // the same token again, or (rarely) a hash twin that it replaces
  } else if (shard.slots.size() < shard.capacity) {
    at = shard.slots.size();
    shard.slots.emplace_back();
    shard.index.emplace(hash, static_cast<std::uint32_t>(at));
  } else {
    at = shard.Victim(now);
    shard.index.erase(shard.slots[at].hash);
    shard.index.emplace(hash, static_cast<std::uint32_t>(at));
  }
  Slot& slot = shard.slots[at];
  slot.hash = hash;
  slot.token.assign(token);
  evicted = std::exchange(slot.claims, std::move(claims));
  slot.exp = exp;
  slot.referenced = false;
}
void VerifiedTokenCache::Clear() {
  for (auto& shard : shards_) {
    std::vector<Slot> dropped;  // destroyed after the lock
    std::lock_guard lock(shard->mu);
    dropped.swap(shard->slots);
    shard->slots.reserve(shard->capacity);
    shard->index.clear();
    shard->hand = 0;
  }
}

std::size_t VerifiedTokenCache::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    n += shard->index.size();
  }
  return n;
}

}  // namespace jwtd::auth
