// Key rotation timeline (see include/jwtd/auth/key_ring.h for the life of a key).
#include "auth/key_ring_policy.h"

#include <algorithm>
#include <limits>
#include <string>

namespace jwtd::auth::keyring {
namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

StoredKey* FindState(std::vector<StoredKey>* keys, KeyState state) {
  for (auto& k : *keys) {
    if (k.info.state == state) return &k;
  }
  return nullptr;
}

void Retire(KeyInfo* info, std::int64_t now, const KeyRingOptions& options) {
  info->state = KeyState::kRetiring;
  info->retires_at = now;
  // Every token it signed expires within access TTL + leeway <= retire_after.
  info->removes_at = now + options.retire_after_seconds;
}

// Makes `next` the signer at `now`, retiring the current one.
void Promote(std::vector<StoredKey>* keys, StoredKey* next, std::int64_t now,
             const KeyRingOptions& options) {
  if (StoredKey* active = FindState(keys, KeyState::kActive)) Retire(&active->info, now, options);
  next->info.state = KeyState::kActive;
  next->info.activates_at = now;
}

Result<StoredKey*> AddKey(std::vector<StoredKey>* keys, KeyState state, std::int64_t now,
                          std::int64_t activates_at, const NewKeyFn& new_key) {
  auto made = new_key();
  if (!made.ok()) return made.error();
  StoredKey k = std::move(*made);
  k.info.state = state;
  k.info.created_at = now;
  k.info.activates_at = activates_at;
  k.info.retires_at = 0;
  k.info.removes_at = 0;
  keys->push_back(std::move(k));
  return &keys->back();
}

}  // namespace

std::int64_t NextDeadline(const std::vector<KeyInfo>& keys, const KeyRingOptions& options) {
  std::int64_t deadline = kNever;
  const KeyInfo* active = nullptr;
  bool has_next = false;
  for (const auto& k : keys) {
    switch (k.state) {
      case KeyState::kNext:
        has_next = true;
        deadline = std::min(deadline, k.activates_at);
        break;
      case KeyState::kActive:
        active = &k;
        break;
      case KeyState::kRetiring:
      case KeyState::kRevoked:
        if (k.removes_at > 0) deadline = std::min(deadline, k.removes_at);
        break;
    }
  }
  if (active == nullptr) return 0;  // nothing signs: due now
  if (!has_next && options.rotate_every_seconds > 0) {
    deadline = std::min(deadline, active->activates_at + options.rotate_every_seconds -
                                      options.publish_ahead_seconds);
  }
  return deadline;
}

Result<bool> Step(std::vector<StoredKey>* keys, std::int64_t now, const KeyRingOptions& options,
                  const NewKeyFn& new_key, std::vector<KeyInfo>* removed) {
  bool changed = false;
  StoredKey* active = FindState(keys, KeyState::kActive);
  StoredKey* next = FindState(keys, KeyState::kNext);
  // Promote when due; a ring that cannot sign promotes at once rather than wait.
  if (next != nullptr && (active == nullptr || now >= next->info.activates_at)) {
    // At `now`, not the scheduled time: the old key signed until this very step.
    Promote(keys, next, now, options);
    changed = true;
  }
  active = FindState(keys, KeyState::kActive);
  next = FindState(keys, KeyState::kNext);
  if (active == nullptr) {
    auto made = AddKey(keys, KeyState::kActive, now, now, new_key);
    if (!made.ok()) return made.error();
    changed = true;
  } else if (next == nullptr && options.rotate_every_seconds > 0) {
    const std::int64_t due = active->info.activates_at + options.rotate_every_seconds;
    if (now >= due - options.publish_ahead_seconds) {
      // Published for at least publish_ahead before it signs, even when Tick runs late.
      const std::int64_t at = std::max(due, now + options.publish_ahead_seconds);
      auto made = AddKey(keys, KeyState::kNext, now, at, new_key);
      if (!made.ok()) return made.error();
      changed = true;
    }
  }
  const auto gone = [&](const StoredKey& k) {
    const bool done = (k.info.state == KeyState::kRetiring || k.info.state == KeyState::kRevoked) &&
                      k.info.removes_at > 0 && now >= k.info.removes_at;
    if (done && removed != nullptr) removed->push_back(k.info);
    return done;
  };
  changed |= std::erase_if(*keys, gone) > 0;
  return changed;
}

Result<KeyInfo> RotateNow(std::vector<StoredKey>* keys, std::int64_t now,
                          const KeyRingOptions& options, const NewKeyFn& new_key) {
  StoredKey* next = FindState(keys, KeyState::kNext);
  if (next == nullptr) {
    auto made = AddKey(keys, KeyState::kNext, now, now, new_key);
    if (!made.ok()) return made.error();
    next = *made;
  }
  Promote(keys, next, now, options);
  return next->info;
}

Result<bool> RevokeNow(std::vector<StoredKey>* keys, std::string_view kid, std::int64_t now,
                       const KeyRingOptions& options) {
  auto it = std::find_if(keys->begin(), keys->end(),
                         [&](const StoredKey& k) { return k.info.kid == kid; });
  if (it == keys->end()) {
    return Error(Code::kNotFound, Reason::kNotFound, "no key with this kid");
  }
  if (it->info.state == KeyState::kRevoked) return false;
  if (it->info.state == KeyState::kActive) {
    StoredKey* next = FindState(keys, KeyState::kNext);
    if (next == nullptr) {
      return Error(Code::kInvalidArgument, Reason::kBadRequest,
                   "key " + it->info.kid + " is the only key able to sign: rotate first");
    }
    Promote(keys, next, now, options);  // retires *it; the revocation below overrides that
  }
  KeyInfo& info = it->info;
  info.state = KeyState::kRevoked;
  if (info.retires_at == 0 || info.retires_at > now) info.retires_at = now;
  // The record stays until then so that other processes sharing the directory learn of it.
  info.removes_at = now + options.retire_after_seconds;
  it->key.reset();
  return true;
}

}  // namespace jwtd::auth::keyring
