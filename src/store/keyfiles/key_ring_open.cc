// auth::KeyRing::Open over the key files (see key_directory.h for why it lives here).
#include "jwtd/auth/key_ring.h"
#include "store/keyfiles/key_directory.h"

namespace jwtd::auth {

Result<std::unique_ptr<KeyRing>> KeyRing::Open(KeyRingOptions options, const Clock* clock) {
  auto dir = store::OpenKeyDirectory(options.directory);
  if (!dir.ok()) return dir.error();
  return NewKeyRing(std::move(*dir), std::move(options), clock);
}

}  // namespace jwtd::auth
