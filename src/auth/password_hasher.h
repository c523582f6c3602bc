// PasswordHasher — Argon2id password hashes (libsodium crypto_pwhash_str, RFC 9106), with a
// precomputed dummy hash so that a login for an unknown user costs the same Argon2id work as a
// wrong password (api.md: identical body and timing).
//
// Thread-safety: one hasher serves all threads. Hash/Verify block for the configured Argon2id
// cost (plus any wait for a free slot: at most options.max_parallel run at once) and must run
// off the I/O threads.
#pragma once

#include <cstdint>
#include <memory>
#include <semaphore>
#include <string>
#include <string_view>

#include "jwtd/auth/options.h"
#include "jwtd/result.h"

namespace jwtd::auth {

class PasswordHasher {
 public:
  // kInvalidArgument if the costs are below libsodium's minimums; kInternal if libsodium cannot
  // initialise or hash (out of memory).
  static Result<std::unique_ptr<PasswordHasher>> Create(const PasswordOptions& options);

  // The crypto_pwhash_str encoding (algorithm, costs and salt included).
  [[nodiscard]] Result<std::string> Hash(std::string_view password) const;
  // True if `password` matches `encoded`. A malformed encoding is a mismatch.
  bool Verify(std::string_view encoded, std::string_view password) const;
  // Spends the same work as Verify() against a real hash and returns false.
  bool VerifyDummy(std::string_view password) const;

 private:
  PasswordHasher(PasswordOptions options, std::string dummy_hash);

  const PasswordOptions options_;
  const std::string dummy_hash_;             // hash of a random password nobody knows
  mutable std::counting_semaphore<> slots_;  // Argon2id runs in flight (memory bound)
};

}  // namespace jwtd::auth
