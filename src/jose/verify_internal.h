// The verification pipeline behind Verifier, reachable with an explicit key for test vectors
// that carry no kid (RFC 7515 Appendix A). Internal header; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "jwtd/jose/claims.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/result.h"

namespace jwtd::jose {

// Everything VerifySignature does, with the key given: a `fixed_key` is used whatever the
// token's kid says (its alg must still equal the token's alg); without one, the key comes
// from `keys` by the token's kid, which is then mandatory (kUnknownKid).
[[nodiscard]] Result<Claims> VerifyCompact(std::string_view compact, std::size_t max_bytes,
                                           const KeySet* keys, const Key* fixed_key);

}  // namespace jwtd::jose
