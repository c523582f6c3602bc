// The in-memory revocation view (include/jwtd/auth/revocation_view.h).
//
// Layout: kShards shards, each a cache-line-aligned struct with one std::shared_mutex and three
// boost::unordered_flat_map: jti digest -> expiry, sid digest -> expiry, user id -> {min ver,
// expiry}. Readers take the shard's shared lock for one probe; the writer takes it exclusively
// for one insert or erase. Revoked kids are few: a flag readers test first, and a small vector
// behind its own lock.
//
// Expiry: entries are also listed by the writer in time buckets (kBucketSeconds wide) keyed by
// the bucket index; Expire() walks only the buckets entirely in the past and erases the listed
// entries whose own expiry has passed. A bucket keeps only the 8-byte digest prefix per entry
// (the 16-byte digest is in the map), which keeps 1 M jtis well under 64 MiB.
//
// Threads: any number of readers (Check, MinVersion, IsSessionEnded, IsJtiDenied, Stats);
// writers (Apply, Expire) are serialised by writer_mu_, so one applier thread never contends.
#include "jwtd/auth/revocation_view.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/unordered/unordered_flat_map.hpp>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/revocation_view_digest.h"
#include "jwtd/auth/user_id.h"

namespace jwtd::auth {
namespace {

using revocation::Digest;
using revocation::DigestEqual;
using revocation::DigestHash;
using revocation::DigestKey;
using revocation::Prefix;

constexpr std::size_t kShards = 64;
constexpr std::int64_t kBucketSeconds = 60;
// Expiries are kept as 32-bit seconds (valid to 2106); this value means "never expires".
constexpr std::uint32_t kNever = std::numeric_limits<std::uint32_t>::max();

std::uint32_t CompactExpiry(std::int64_t expires_at) {
  if (expires_at <= 0 || expires_at >= kNever) return kNever;
  return static_cast<std::uint32_t>(expires_at);
}

std::int64_t BucketOf(std::int64_t expires_at) { return expires_at / kBucketSeconds; }

struct UserVersion {
  std::int64_t min_version = 1;
  std::uint32_t expires_at = kNever;
};

using DigestMap = boost::unordered_flat_map<Digest, std::uint32_t, DigestHash, DigestEqual>;
using VersionMap = boost::unordered_flat_map<std::int64_t, UserVersion>;

struct alignas(64) Shard {
  mutable std::shared_mutex mu;
  DigestMap jtis;       // guarded by mu
  DigestMap sids;       // guarded by mu
  VersionMap versions;  // guarded by mu
};

// What one expiry bucket lists; touched only under writer_mu_.
struct Bucket {
  std::deque<std::uint64_t> jtis;  // digest prefixes
  std::deque<std::uint64_t> sids;  // digest prefixes
  std::vector<std::int64_t> users;
};

template <typename Map>
std::size_t MapBytes(const Map& map) {
  // Slots plus one 16-byte metadata word per group of 15 slots (boost FOA layout).
  const std::size_t slots = map.bucket_count();  // the slot capacity for flat maps
  return slots * sizeof(typename Map::value_type) + (slots / 15 + 1) * 16;
}

class ShardedRevocationView final : public RevocationView {
 public:
  explicit ShardedRevocationView(StrategyOptions strategies) : strategies_(strategies) {}

  Result<void> Check(const jose::Claims& claims) const override {
    // The key check runs whatever the strategies: a revoked key's tokens are never good.
    if (any_revoked_kid_.load(std::memory_order_acquire) && IsKidRevoked(claims.kid())) {
      return Error(Code::kUnauthenticated, Reason::kKeyRevoked, "key revoked");
    }
    if (strategies_.denylist) {
      if (!claims.jti().empty() && IsJtiDenied(claims.jti())) {
        return Error(Code::kUnauthenticated, Reason::kJtiDenied, "jti denied");
      }
      if (!claims.sid().empty() && IsSessionEnded(claims.sid())) {
        return Error(Code::kUnauthenticated, Reason::kSessionEnded, "session ended");
      }
    }
    if (strategies_.version) {
      // Tokens we issue always carry ver; one without it counts as ver 0, below every minimum
      // (which is at least 1), so it is refused while the version strategy is on.
      const std::int64_t ver = claims.ver().value_or(0);
      const auto user_id = ParseUserId(claims.sub());
      const std::int64_t min = user_id ? MinVersion(*user_id) : 1;
      if (ver < min) {
        return Error(Code::kUnauthenticated, Reason::kVersionBumped, "version bumped");
      }
    }
    return Ok();
  }

  std::int64_t MinVersion(std::int64_t user_id) const override {
    const Shard& shard = ShardOfUser(user_id);
    std::shared_lock lock(shard.mu);
    auto it = shard.versions.find(user_id);
    return it == shard.versions.end() ? 1 : it->second.min_version;
  }

  bool IsSessionEnded(std::string_view sid) const override {
    const Digest d = key_.Of(sid);
    const Shard& shard = ShardOf(d.prefix());
    std::shared_lock lock(shard.mu);
    return shard.sids.contains(d);
  }

  bool IsJtiDenied(std::string_view jti) const override {
    const Digest d = key_.Of(jti);
    const Shard& shard = ShardOf(d.prefix());
    std::shared_lock lock(shard.mu);
    return shard.jtis.contains(d);
  }

  void Apply(const RevocationEntry& entry) override {
    std::lock_guard writer(writer_mu_);
    switch (entry.kind) {
      case RevocationKind::kJti:
        ApplyDigest(&Shard::jtis, &Bucket::jtis, entry);
        break;
      case RevocationKind::kSession:
        ApplyDigest(&Shard::sids, &Bucket::sids, entry);
        break;
      case RevocationKind::kUserVersion:
        ApplyUserVersion(entry);
        break;
      case RevocationKind::kKey:
        ApplyKey(entry);
        break;
    }
    std::int64_t seen = applied_seq_.load(std::memory_order_relaxed);
    while (entry.seq > seen &&
           !applied_seq_.compare_exchange_weak(seen, entry.seq, std::memory_order_release)) {
    }
  }

  void Expire(std::int64_t now) override {
    std::lock_guard writer(writer_mu_);
    // A bucket is due once its whole time range lies before `now`.
    while (!buckets_.empty() && (buckets_.begin()->first + 1) * kBucketSeconds <= now) {
      Bucket& bucket = buckets_.begin()->second;
      for (std::uint64_t p : bucket.jtis) ErasePrefix(&Shard::jtis, p, now);
      for (std::uint64_t p : bucket.sids) ErasePrefix(&Shard::sids, p, now);
      for (std::int64_t user : bucket.users) EraseUser(user, now);
      buckets_.erase(buckets_.begin());
    }
    std::unique_lock lock(kids_mu_);
    std::erase_if(revoked_kids_, [now](const auto& k) { return k.second < now; });
    any_revoked_kid_.store(!revoked_kids_.empty(), std::memory_order_release);
  }

  std::int64_t applied_seq() const override { return applied_seq_.load(std::memory_order_acquire); }

  RevocationViewStats Stats() const override {
    RevocationViewStats stats;
    stats.applied_seq = applied_seq();
    std::size_t bytes = sizeof(*this);
    for (const Shard& shard : shards_) {
      std::shared_lock lock(shard.mu);
      stats.denied_jtis += shard.jtis.size();
      stats.ended_sessions += shard.sids.size();
      stats.user_versions += shard.versions.size();
      bytes += MapBytes(shard.jtis) + MapBytes(shard.sids) + MapBytes(shard.versions);
    }
    {
      std::lock_guard writer(writer_mu_);
      for (const auto& [index, bucket] : buckets_) {
        bytes += 64 + (bucket.jtis.size() + bucket.sids.size()) * sizeof(std::uint64_t) +
                 bucket.users.capacity() * sizeof(std::int64_t);
      }
    }
    std::shared_lock lock(kids_mu_);
    stats.revoked_keys = revoked_kids_.size();
    for (const auto& kid : revoked_kids_) bytes += sizeof(kid) + kid.first.capacity();
    stats.approx_bytes = bytes;
    return stats;
  }

 private:
  Shard& ShardOf(std::uint64_t prefix) { return shards_[(prefix >> 32) % kShards]; }
  const Shard& ShardOf(std::uint64_t prefix) const { return shards_[(prefix >> 32) % kShards]; }
  Shard& ShardOfUser(std::int64_t user) {
    return shards_[static_cast<std::uint64_t>(user) % kShards];
  }
  const Shard& ShardOfUser(std::int64_t user) const {
    return shards_[static_cast<std::uint64_t>(user) % kShards];
  }

  bool IsKidRevoked(std::string_view kid) const {
    std::shared_lock lock(kids_mu_);
    for (const auto& k : revoked_kids_) {
      if (k.first == kid) return true;
    }
    return false;
  }

  void ApplyDigest(DigestMap Shard::*map, std::deque<std::uint64_t> Bucket::*list,
                   const RevocationEntry& entry) {
    const Digest d = key_.Of(entry.key);
    const std::uint32_t expiry = CompactExpiry(entry.expires_at);
    Shard& shard = ShardOf(d.prefix());
    {
      std::unique_lock lock(shard.mu);
      auto [it, inserted] = (shard.*map).try_emplace(d, expiry);
      // Idempotent; a later expiry wins (a session ended twice stays ended the longer time).
      if (!inserted && (it->second == kNever || it->second >= expiry)) return;
      it->second = expiry;
    }
    if (expiry != kNever) (buckets_[BucketOf(expiry)].*list).push_back(d.prefix());
  }

  void ApplyUserVersion(const RevocationEntry& entry) {
    const auto parsed = ParseUserId(entry.key);
    if (!parsed) return;  // not one of our user ids: cannot match a sub
    const std::int64_t user = *parsed;
    const std::uint32_t expiry = CompactExpiry(entry.expires_at);
    Shard& shard = ShardOfUser(user);
    {
      std::unique_lock lock(shard.mu);
      auto [it, inserted] = shard.versions.try_emplace(user, UserVersion{entry.value, expiry});
      if (!inserted) {
        UserVersion& v = it->second;
        if (entry.value < v.min_version) return;  // a version never goes down
        v.min_version = entry.value;
        // The newest bump's expiry covers every older token of the user.
        if (v.expires_at != kNever && v.expires_at >= expiry) return;
        v.expires_at = expiry;
      }
    }
    if (expiry != kNever) buckets_[BucketOf(expiry)].users.push_back(user);
  }

  void ApplyKey(const RevocationEntry& entry) {
    const std::int64_t expiry =
        entry.expires_at > 0 ? entry.expires_at : std::numeric_limits<std::int64_t>::max();
    std::unique_lock lock(kids_mu_);
    for (auto& k : revoked_kids_) {
      if (k.first == entry.key) {
        k.second = std::max(k.second, expiry);
        return;
      }
    }
    revoked_kids_.emplace_back(entry.key, expiry);
    any_revoked_kid_.store(true, std::memory_order_release);
  }

  void ErasePrefix(DigestMap Shard::*map, std::uint64_t prefix, std::int64_t now) {
    Shard& shard = ShardOf(prefix);
    std::unique_lock lock(shard.mu);
    auto it = (shard.*map).find(Prefix{prefix});
    if (it != (shard.*map).end() && it->second != kNever && it->second < now) {
      (shard.*map).erase(it);
    }
  }

  void EraseUser(std::int64_t user, std::int64_t now) {
    Shard& shard = ShardOfUser(user);
    std::unique_lock lock(shard.mu);
    auto it = shard.versions.find(user);
    if (it != shard.versions.end() && it->second.expires_at != kNever &&
        it->second.expires_at < now) {
      shard.versions.erase(it);
    }
  }

  // Immutable after construction.
  const StrategyOptions strategies_;
  const DigestKey key_;

  // Own synchronisation.
  std::array<Shard, kShards> shards_;
  std::atomic<std::int64_t> applied_seq_{0};
  std::atomic<bool> any_revoked_kid_{false};

  mutable std::shared_mutex kids_mu_;
  std::vector<std::pair<std::string, std::int64_t>> revoked_kids_;  // guarded by kids_mu_

  mutable std::mutex writer_mu_;
  std::map<std::int64_t, Bucket> buckets_;  // guarded by writer_mu_
};

}  // namespace

std::unique_ptr<RevocationView> RevocationView::Create(StrategyOptions strategies) {
  return std::make_unique<ShardedRevocationView>(strategies);
}

}  // namespace jwtd::auth
