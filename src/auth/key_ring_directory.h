// jwtd::auth::KeyDirectory — the storage port of the KeyRing: where key material and the
// manifest live. The domain (KeyRing, src/auth/key_ring.cc) decides the rotation policy; an
// adapter only reads and writes. The file adapter is src/store/keyfiles (one PEM/JWK file per
// key, mode 0600, plus keys.json), which also defines KeyRing::Open (so auth never depends on
// a store: jose <- auth <- store). Tests and other adapters call NewKeyRing directly.
//
// Thread-safety: a KeyDirectory is used by one KeyRing, which serialises every call under its
// own mutex; Lock() additionally serialises mutations across processes sharing the directory.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/key_ring.h"
#include "jwtd/clock.h"
#include "jwtd/jose/key.h"
#include "jwtd/result.h"

namespace jwtd::auth {

// One manifest record with its key; `key` is null for revoked records (their material is
// deleted at revocation).
struct StoredKey {
  KeyInfo info;
  std::shared_ptr<const jose::Key> key;
};

class KeyDirectory {
 public:
  // Held for the whole read-change-write of a mutation.
  class Lock {
   public:
    virtual ~Lock() = default;
  };

  virtual ~KeyDirectory() = default;

  // An exclusive lock shared with other processes (kUnavailable if it cannot be taken).
  virtual Result<std::unique_ptr<Lock>> LockExclusive() = 0;
  // The manifest and the key of every non-revoked record. An empty vector for a directory
  // without manifest and key files. kInvalidArgument naming the file for a corrupt manifest,
  // a missing or unparsable key file, or a key file readable by group/others.
  virtual Result<std::vector<StoredKey>> Load() = 0;
  // Stores one key's private material durably (before the manifest names it).
  virtual Result<void> WriteKey(const jose::Key& key) = 0;
  // Deletes one key's material; ok when already absent.
  virtual Result<void> RemoveKey(std::string_view kid, jose::Alg alg) = 0;
  // Replaces the manifest atomically and durably.
  virtual Result<void> WriteManifest(const std::vector<KeyInfo>& keys) = 0;
  // Changes whenever the manifest is replaced (by this or another process); "" when absent.
  virtual std::string Stamp() const = 0;
};

// A KeyRing over `directory`: loads it, creates a first active key when it holds none.
// kInvalidArgument from Load() on unsafe or corrupt contents. `clock` must outlive the ring.
Result<std::unique_ptr<KeyRing>> NewKeyRing(std::unique_ptr<KeyDirectory> directory,
                                            KeyRingOptions options, const Clock* clock);

}  // namespace jwtd::auth
