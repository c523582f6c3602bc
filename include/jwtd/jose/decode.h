// jwtd::jose::DecodeUnverified — splits and decodes a compact JWS WITHOUT verifying anything.
// For tooling (`jwtd token decode`) and diagnostics only: never base a decision on its output.
#pragma once

#include <string>
#include <string_view>

#include "jwtd/result.h"

namespace jwtd::jose {

struct UnverifiedParts {
  std::string header_json;
  std::string payload;
  std::string signature;  // raw bytes
};

// kInvalidArgument (kMalformedToken / kBadBase64 / kTokenTooLarge) on bad syntax.
Result<UnverifiedParts> DecodeUnverified(std::string_view compact, std::size_t max_bytes = 8192);

}  // namespace jwtd::jose
