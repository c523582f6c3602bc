// jwtd::auth::KeyRing — the signing keys and their rotation policy (api.md, issue "keys").
//
// Life of a key: `next` (published in the JWKS, signs nothing, for publish_ahead seconds so that
// verifiers caching the JWKS never meet an unknown kid) -> `active` (the one signer) ->
// `retiring` (still verifies until every token it signed has expired: access TTL + leeway) ->
// removed. An emergency revoke drops a key at once and its tokens are refused.
//
// Keys live in a directory: one private key file per key (PEM, mode 0600, refused at load when
// group/world readable) and a manifest (keys.json) with kid, alg, state and times. Writes are
// atomic (temp file + rename). Several processes (server and CLI) may share the directory; the
// server reloads on change (Reload()).
//
// Thread-safety: signer() and verifier() are lock-free reads of an immutable snapshot;
// Tick/Rotate/Revoke/Reload are serialised internally.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/verifier_source.h"
#include "jwtd/clock.h"
#include "jwtd/jose/alg.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"
#include "jwtd/result.h"

namespace jwtd::auth {

struct KeyRingOptions {
  std::string directory = "var/keys";
  jose::Alg alg = jose::Alg::kES256;
  std::int64_t rotate_every_seconds = 30 * 24 * 3600;  // 0: never rotate automatically
  std::int64_t publish_ahead_seconds = 24 * 3600;      // next key in the JWKS before it signs
  std::int64_t retire_after_seconds = 15 * 60 + 30;    // >= access TTL + leeway
  jose::VerifyOptions verify;                          // issuer, audience, typ, leeway
  // Only read the directory (a verifier node): Open creates nothing and fails when the
  // directory holds no usable key; Tick only reloads (the writing node applies the policy);
  // Rotate and Revoke fail with kPermissionDenied; signer() may be null.
  bool read_only = false;
};

enum class KeyState : std::uint8_t { kNext, kActive, kRetiring, kRevoked };

struct KeyInfo {
  std::string kid;
  jose::Alg alg = jose::Alg::kES256;
  KeyState state = KeyState::kNext;
  std::int64_t created_at = 0;
  std::int64_t activates_at = 0;  // when it becomes (or became) the signer
  std::int64_t retires_at = 0;    // when it stopped signing (0: not yet)
  std::int64_t removes_at = 0;    // when it leaves the JWKS (0: not scheduled)
};

std::string_view KeyStateName(KeyState state);

class KeyRing : public VerifierSource {
 public:
  ~KeyRing() override = default;

  // Opens the directory, creating it (0700) and a first active key when empty. kInvalidArgument
  // for unsafe permissions or a corrupt manifest (with the file named, no key material).
  static Result<std::unique_ptr<KeyRing>> Open(KeyRingOptions options, const Clock* clock);

  virtual std::shared_ptr<const jose::Signer> signer() const = 0;
  std::shared_ptr<const jose::Verifier> verifier() const override = 0;
  // {"keys":[...]}: public keys that are next, active or retiring (never revoked, never secret).
  virtual std::shared_ptr<const std::string> public_jwks() const = 0;
  virtual std::vector<KeyInfo> List() const = 0;

  // Applies the policy at the clock's now: creates the next key when due, promotes it, retires
  // and removes old keys. Returns true if anything changed. Called periodically by the server.
  virtual Result<bool> Tick() = 0;
  // Forces one step now: the next key (created if absent) becomes active at once.
  virtual Result<KeyInfo> Rotate() = 0;
  // Drops the key at once; its tokens no longer verify. kNotFound for an unknown kid;
  // kInvalidArgument when it is the only key able to sign (rotate first).
  virtual Result<void> Revoke(std::string_view kid) = 0;
  // Re-reads the directory (another process changed it). Returns true if anything changed.
  virtual Result<bool> Reload() = 0;
};

}  // namespace jwtd::auth
