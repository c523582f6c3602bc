// jwtd::jose::Signer — JWS compact serialization (RFC 7515 §7.1) with one key.
// Thread-safe: one Signer serves all threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "jwtd/jose/key.h"
#include "jwtd/result.h"

namespace jwtd::jose {

class Signer {
 public:
  virtual ~Signer() = default;

  // kInvalidArgument if the key is null or cannot sign.
  static Result<std::unique_ptr<Signer>> Create(std::shared_ptr<const Key> key);

  // Signs `claims_json` (a JSON object, used byte for byte as the payload) under the header
  // {"alg":<key alg>,"typ":<typ>,"kid":<key kid>}; typ is left out when empty.
  virtual Result<std::string> Sign(std::string_view claims_json,
                                   std::string_view typ = "at+jwt") const = 0;

  virtual const Key& key() const = 0;
};

// Signs with an exact, caller-built protected header (for test vectors and tooling). The
// header's "alg" must name the key's alg (kAlgMismatch otherwise).
Result<std::string> SignWithHeader(const Key& key, std::string_view header_json,
                                   std::string_view payload);

}  // namespace jwtd::jose
