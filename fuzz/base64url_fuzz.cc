// Fuzzes strict base64url (RFC 4648 §5, RFC 7515 §2) with two properties:
//  - round trip: Base64UrlDecode(Base64UrlEncode(x)) == x for any bytes x;
//  - canonical decoding: arbitrary input either fails to decode or decodes to bytes whose
//    encoding is the input itself (one encoding per byte string), of the predicted length.
// Base64UrlEncodeAppend must append exactly what Base64UrlEncode returns.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "jwtd/jose/base64url.h"

namespace {

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace jwtd::jose;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::string encoded = Base64UrlEncode(in);
  std::string back = "stale";
  Require(Base64UrlDecode(encoded, &back));
  Require(back == in);
  std::string appended = "prefix.";
  Base64UrlEncodeAppend(in, &appended);
  Require(appended == "prefix." + encoded);

  std::string decoded;
  if (Base64UrlDecode(in, &decoded)) {
    Require(decoded.size() == Base64UrlDecodedLength(in.size()));
    Require(Base64UrlEncode(decoded) == in);
  }
  return 0;
}
