// KeyRing over a KeyDirectory: the policy (key_ring_policy.cc) applied under a process mutex
// and the directory's cross-process lock, published as an immutable snapshot.
//
// Every mutation re-reads the directory under its lock before changing it, so a server and a
// CLI sharing one directory never overwrite each other's changes. Readers (signer, verifier,
// public_jwks, List) load one std::atomic<std::shared_ptr<const Snapshot>> and never wait on
// a mutation.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

#include "auth/key_ring_directory.h"
#include "auth/key_ring_policy.h"
#include "jwtd/jose/jwks.h"

namespace jwtd::auth {
namespace {

struct Snapshot {
  std::shared_ptr<const jose::Signer> signer;  // null only if the manifest has no active key
  std::shared_ptr<const jose::Verifier> verifier;
  std::shared_ptr<const std::string> jwks;
  std::vector<KeyInfo> infos;
};

bool SameInfo(const KeyInfo& a, const KeyInfo& b) {
  return a.kid == b.kid && a.alg == b.alg && a.state == b.state && a.created_at == b.created_at &&
         a.activates_at == b.activates_at && a.retires_at == b.retires_at &&
         a.removes_at == b.removes_at;
}

bool SameInfos(const std::vector<KeyInfo>& a, const std::vector<KeyInfo>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), SameInfo);
}

std::vector<KeyInfo> InfosOf(const std::vector<StoredKey>& keys) {
  std::vector<KeyInfo> infos;
  infos.reserve(keys.size());
  for (const auto& k : keys) infos.push_back(k.info);
  return infos;
}

class KeyRingImpl final : public KeyRing {
 public:
  KeyRingImpl(std::unique_ptr<KeyDirectory> dir, KeyRingOptions options, const Clock* clock)
      : dir_(std::move(dir)), options_(std::move(options)), clock_(clock) {}

  // Loads the directory, creating a first active key when nothing can sign (read-only: only
  // loads it, and there must be a key to verify with).
  Result<void> Init() {
    std::lock_guard lock(mu_);
    if (options_.read_only) {
      auto loaded = dir_->Load();
      if (!loaded.ok()) return loaded.error();
      if (std::none_of(loaded->begin(), loaded->end(), [](const StoredKey& k) {
            return k.key != nullptr && k.info.state != KeyState::kRevoked;
          })) {
        return Error(Code::kInvalidArgument, Reason::kBadRequest,
                     "key directory holds no usable key (a read-only node never generates one): "
                     "start a full node on it first");
      }
      return Publish(*loaded);
    }
    auto changed = Mutate([&](std::vector<StoredKey>* keys, std::vector<KeyInfo>*) -> Result<bool> {
      if (std::any_of(keys->begin(), keys->end(),
                      [](const StoredKey& k) { return k.info.state == KeyState::kActive; })) {
        return false;
      }
      std::vector<KeyInfo> removed;
      return keyring::Step(keys, clock_->NowSeconds(), options_, NewKeyFn(), &removed);
    });
    if (!changed.ok()) return changed.error();
    return Ok();
  }

  std::shared_ptr<const jose::Signer> signer() const override { return snap_.load()->signer; }
  std::shared_ptr<const jose::Verifier> verifier() const override { return snap_.load()->verifier; }
  std::shared_ptr<const std::string> public_jwks() const override { return snap_.load()->jwks; }
  std::vector<KeyInfo> List() const override { return snap_.load()->infos; }

  Result<bool> Tick() override {
    std::lock_guard lock(mu_);
    auto reloaded = ReloadLocked();
    if (!reloaded.ok() || options_.read_only) return reloaded;
    const std::int64_t now = clock_->NowSeconds();
    if (now < keyring::NextDeadline(snap_.load()->infos, options_)) return *reloaded;
    auto changed = Mutate([&](std::vector<StoredKey>* keys, std::vector<KeyInfo>* removed) {
      return keyring::Step(keys, now, options_, NewKeyFn(), removed);
    });
    if (!changed.ok()) return changed.error();
    return *changed || *reloaded;
  }

  Result<KeyInfo> Rotate() override {
    if (options_.read_only) return ReadOnly();
    std::lock_guard lock(mu_);
    KeyInfo promoted;
    auto changed = Mutate([&](std::vector<StoredKey>* keys, std::vector<KeyInfo>*) -> Result<bool> {
      auto info = keyring::RotateNow(keys, clock_->NowSeconds(), options_, NewKeyFn());
      if (!info.ok()) return info.error();
      promoted = *info;
      return true;
    });
    if (!changed.ok()) return changed.error();
    return promoted;
  }

  Result<void> Revoke(std::string_view kid) override {
    if (options_.read_only) return ReadOnly();
    std::lock_guard lock(mu_);
    auto changed = Mutate([&](std::vector<StoredKey>* keys, std::vector<KeyInfo>* removed) {
      const auto before = InfosOf(*keys);
      auto revoked = keyring::RevokeNow(keys, kid, clock_->NowSeconds(), options_);
      if (revoked.ok() && *revoked) {
        // Its material goes at once (the record stays for other processes to see).
        for (const auto& k : before) {
          if (k.kid == kid) removed->push_back(k);
        }
      }
      return revoked;
    });
    if (!changed.ok()) return changed.error();
    return Ok();
  }

  Result<bool> Reload() override {
    std::lock_guard lock(mu_);
    return ReloadLocked();
  }

 private:
  static Error ReadOnly() {
    return Error(Code::kPermissionDenied, Reason::kBadRequest, "the key ring is read-only");
  }

  keyring::NewKeyFn NewKeyFn() {
    return [this]() -> Result<StoredKey> {
      auto key = jose::Key::Generate(options_.alg);
      if (!key.ok()) return key.error();
      auto written = dir_->WriteKey(**key);  // durable before the manifest names it
      if (!written.ok()) return written.error();
      StoredKey stored;
      stored.info.kid = (*key)->kid();
      stored.info.alg = options_.alg;
      stored.key = std::shared_ptr<const jose::Key>(std::move(*key));
      return stored;
    };
  }

  // Locked read-change-write of the directory; publishes a new snapshot. `change` returns
  // whether it changed anything and lists records whose key material must go.
  template <typename Change>
  Result<bool> Mutate(Change change) {
    auto dir_lock = dir_->LockExclusive();
    if (!dir_lock.ok()) return dir_lock.error();
    auto loaded = dir_->Load();
    if (!loaded.ok()) return loaded.error();
    std::vector<StoredKey> keys = std::move(*loaded);
    std::vector<KeyInfo> removed;
    auto changed = change(&keys, &removed);
    if (!changed.ok()) return changed.error();
    if (*changed) {
      JWTD_RETURN_IF_ERROR(dir_->WriteManifest(InfosOf(keys)));
      // After the manifest: a crash in between leaves an unlisted file, never a listed gap.
      for (const auto& info : removed) JWTD_RETURN_IF_ERROR(dir_->RemoveKey(info.kid, info.alg));
    }
    JWTD_RETURN_IF_ERROR(Publish(keys));
    return *changed;
  }

  Result<bool> ReloadLocked() {
    const std::string stamp = dir_->Stamp();
    if (stamp == stamp_) return false;
    auto loaded = dir_->Load();
    if (!loaded.ok()) return loaded.error();
    const bool changed = !SameInfos(InfosOf(*loaded), snap_.load()->infos);
    JWTD_RETURN_IF_ERROR(Publish(*loaded));
    stamp_ = stamp;
    return changed;
  }

  // Builds and swaps in the snapshot of `keys`: the verifier and JWKS over every next, active
  // and retiring key (revoked and removed keys verify nothing, at once).
  Result<void> Publish(const std::vector<StoredKey>& keys) {
    auto snap = std::make_shared<Snapshot>();
    std::vector<std::shared_ptr<const jose::Key>> usable;
    for (const auto& k : keys) {
      if (k.info.state == KeyState::kRevoked || k.key == nullptr) continue;
      usable.push_back(k.key);
      if (k.info.state == KeyState::kActive) {
        auto signer = jose::Signer::Create(k.key);
        if (!signer.ok()) return signer.error();
        snap->signer = std::move(*signer);
      }
    }
    auto set = jose::KeySet::Of(std::move(usable));
    if (!set.ok()) return set.error();
    auto verifier = jose::Verifier::Create(*set, options_.verify, clock_);
    if (!verifier.ok()) return verifier.error();
    snap->verifier = std::move(*verifier);
    snap->jwks = std::make_shared<const std::string>((*set)->ToPublicJwks());
    snap->infos = InfosOf(keys);
    snap_.store(std::move(snap));
    stamp_ = dir_->Stamp();
    return Ok();
  }

  // Immutable after construction.
  const std::unique_ptr<KeyDirectory> dir_;
  const KeyRingOptions options_;
  const Clock* const clock_;

  std::mutex mu_;      // serialises mutations and reloads
  std::string stamp_;  // guarded by mu_: the manifest stamp of the published snapshot
  std::atomic<std::shared_ptr<const Snapshot>> snap_;  // own synchronisation
};

}  // namespace

std::string_view KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kNext:
      return "next";
    case KeyState::kActive:
      return "active";
    case KeyState::kRetiring:
      return "retiring";
    case KeyState::kRevoked:
      return "revoked";
  }
  return "unknown";
}

Result<std::unique_ptr<KeyRing>> NewKeyRing(std::unique_ptr<KeyDirectory> directory,
                                            KeyRingOptions options, const Clock* clock) {
  if (directory == nullptr || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "key ring needs a directory and clock");
  }
  auto ring = std::make_unique<KeyRingImpl>(std::move(directory), std::move(options), clock);
  JWTD_RETURN_IF_ERROR(ring->Init());
  return std::unique_ptr<KeyRing>(std::move(ring));
}

}  // namespace jwtd::auth
