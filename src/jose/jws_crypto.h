// The JWS signature primitives (RFC 7515 §5.1 step 5, §5.2 step 8; RFC 7518 §3) on OpenSSL 3.
// Internal header. Thread-safe: each thread uses its own OpenSSL contexts, prepared once per
// (thread, key) and kept in a small thread_local cache (see jws_crypto.cc).
#pragma once

#include <string>
#include <string_view>

#include "key_impl.h"

namespace jwtd::jose {

// True if `sig` (raw JOSE form: R||S for ECDSA) is a valid signature of `signing_input` under
// `key` with the key's alg. Never throws; OpenSSL errors count as "does not verify".
[[nodiscard]] bool VerifyJwsSignature(const Key::Impl& key, std::string_view signing_input,
                                      std::string_view sig);

// The JOSE-form signature of `signing_input`; kInvalidArgument if the key cannot sign,
// kInternal on an OpenSSL failure.
[[nodiscard]] Result<std::string> SignJws(const Key::Impl& key, std::string_view signing_input);

}  // namespace jwtd::jose
