// The file adapter of auth::KeyDirectory (src/auth/key_ring_directory.h): a directory (0700)
// holding one private key file per key — `<kid>.pem` (PKCS#8 PEM) for asymmetric keys,
// `<kid>.jwk` (JWK with "k") for HMAC keys — each mode 0600, and the manifest keys.json.
// Every write is temp file (O_CREAT|O_EXCL, 0600) + fsync + rename + fsync of the directory.
// Loading refuses key files with any group/other permission bit. Mutations across processes
// are serialised with flock(2) on `.lock` in the directory.
//
// auth::KeyRing::Open (declared in include/jwtd/auth/key_ring.h) is defined in this library
// (key_ring_open.cc) on top of OpenKeyDirectory, so that auth does not depend on a store.
//
// Thread-safety: one instance is used by one KeyRing, which serialises its calls.
#pragma once

#include <memory>
#include <string>

#include "auth/key_ring_directory.h"
#include "jwtd/result.h"

namespace jwtd::store {

// Creates the directory (0700) if absent. kInvalidArgument if `path` is not a directory.
Result<std::unique_ptr<auth::KeyDirectory>> OpenKeyDirectory(std::string path);

}  // namespace jwtd::store
