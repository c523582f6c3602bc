#include "dpop_replay_cache.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace jwtd::auth {
namespace {

constexpr std::size_t kInitialSlots = 1024;

std::size_t SlotOf(const std::array<std::uint64_t, 2>& key, std::size_t mask) {
  return static_cast<std::size_t>(key[0]) & mask;  // key bits are SHA-256 output: uniform
}

}  // namespace

DpopReplayCache::DpopReplayCache(std::int64_t generation_seconds, std::size_t max_entries)
    : generation_seconds_(std::max<std::int64_t>(1, generation_seconds)),
      max_per_generation_(std::max<std::size_t>(1, max_entries / 2)) {}

DpopReplayCache::Key DpopReplayCache::KeyOf(std::string_view jkt, std::string_view jti) {
  // jkt is base64url (no NUL), so "jkt NUL jti" cannot be produced by another pair.
  std::string input;
  input.reserve(jkt.size() + 1 + jti.size());
  input.append(jkt).push_back('\0');
  input.append(jti);
  unsigned char digest[EVP_MAX_MD_SIZE] = {};
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  Key key{};
  std::memcpy(key.data(), digest, sizeof key);
  if (key[0] == 0 && key[1] == 0) key[1] = 1;  // never the empty marker
  return key;
}

bool DpopReplayCache::Table::Contains(const Key& key) const {
  if (slots.empty()) return false;
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = SlotOf(key, mask);; i = (i + 1) & mask) {
    const Key& slot = slots[i];
    if (slot == key) return true;
    if (slot[0] == 0 && slot[1] == 0) return false;  // at most half full: an empty slot exists
  }
}

void DpopReplayCache::Table::Put(const Key& key) {
  if ((count + 1) * 2 > slots.size()) Grow();
  const std::size_t mask = slots.size() - 1;
  std::size_t i = SlotOf(key, mask);
  while (slots[i][0] != 0 || slots[i][1] != 0) i = (i + 1) & mask;
  slots[i] = key;
  ++count;
}

void DpopReplayCache::Table::Grow() {
  std::vector<Key> old = std::move(slots);
  slots.assign(old.empty() ? kInitialSlots : old.size() * 2, Key{});
  count = 0;
  for (const Key& key : old) {
    if (key[0] != 0 || key[1] != 0) Put(key);
  }
}

void DpopReplayCache::Table::Clear() {
  // The memory goes too: after a burst the cache shrinks back within two generations.
  std::vector<Key>().swap(slots);
  count = 0;
}

void DpopReplayCache::Advance(std::int64_t now) {
  if (current_start_ < 0) {
    current_start_ = now;
    return;
  }
  if (now < current_start_) return;  // a clock step back: keep both (longer, never shorter)
  const std::int64_t elapsed = now - current_start_;
  if (elapsed < generation_seconds_) return;
  if (elapsed >= 2 * generation_seconds_) {
    previous_.Clear();  // both generations are over
    current_.Clear();
  } else {
    previous_ = std::move(current_);
    current_ = Table{};
  }
  current_start_ = now;
}

DpopReplayCache::Insert DpopReplayCache::Add(const Key& key, std::int64_t now) {
  std::lock_guard lock(mu_);
  Advance(now);
  if (current_.Contains(key) || previous_.Contains(key)) return Insert::kSeen;
  if (current_.count >= max_per_generation_) return Insert::kFull;
  current_.Put(key);
  return Insert::kNew;
}

std::size_t DpopReplayCache::size() const {
  std::lock_guard lock(mu_);
  return current_.count + previous_.count;
}

std::size_t DpopReplayCache::bytes() const {
  std::lock_guard lock(mu_);
  return (current_.slots.capacity() + previous_.slots.capacity()) * sizeof(Key);
}

}  // namespace jwtd::auth
