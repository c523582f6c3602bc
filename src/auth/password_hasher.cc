#include "password_hasher.h"

#include <sodium.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "jwtd/random.h"

namespace jwtd::auth {
namespace {

// sodium_init() is idempotent and thread-safe after the first call; call it once anyway.
bool InitSodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::ptrdiff_t SlotCount(std::uint32_t configured) {
  if (configured != 0) return configured;
  return std::max<std::ptrdiff_t>(1, std::thread::hardware_concurrency());
}

// Holds one hashing slot for its scope.
class SlotGuard {
 public:
  explicit SlotGuard(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  ~SlotGuard() { slots_.release(); }

 private:
  std::counting_semaphore<>& slots_;
};

}  // namespace

PasswordHasher::PasswordHasher(PasswordOptions options, std::string dummy_hash)
    : options_(options),
      dummy_hash_(std::move(dummy_hash)),
      slots_(SlotCount(options.max_parallel)) {}

Result<std::unique_ptr<PasswordHasher>> PasswordHasher::Create(const PasswordOptions& options) {
  if (!InitSodium()) return Error(Code::kInternal, Reason::kInternal, "sodium_init failed");
  if (options.ops_limit < crypto_pwhash_OPSLIMIT_MIN ||
      options.ops_limit > crypto_pwhash_OPSLIMIT_MAX ||
      options.mem_limit_bytes < crypto_pwhash_MEMLIMIT_MIN ||
      options.mem_limit_bytes > crypto_pwhash_MEMLIMIT_MAX) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "password hash costs outside libsodium's Argon2id limits");
  }
  // The dummy uses the configured costs, so an unknown user costs exactly a real verify.
  PasswordHasher probe(options, {});
  auto dummy = probe.Hash(RandomToken(32));
  if (!dummy.ok()) return dummy.error();
  return std::unique_ptr<PasswordHasher>(new PasswordHasher(options, std::move(*dummy)));
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  SlotGuard slot(slots_);
  std::string out(crypto_pwhash_STRBYTES, '\0');
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), options_.ops_limit,
                            static_cast<std::size_t>(options_.mem_limit_bytes),
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(Code::kInternal, Reason::kInternal, "argon2id hashing failed (out of memory?)");
  }
  out.resize(out.find('\0'));
  return out;
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) const {
  // crypto_pwhash_str_verify needs a NUL-terminated encoding of bounded length.
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(encoded);
  SlotGuard slot(slots_);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::VerifyDummy(std::string_view password) const {
  // The result is discarded: nobody knows the dummy password (32 random bytes).
  [[maybe_unused]] bool matched = Verify(dummy_hash_, password);
  return false;
}

}  // namespace jwtd::auth
