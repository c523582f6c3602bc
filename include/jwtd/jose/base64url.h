// Strict base64url (RFC 4648 §5) as JWS requires it (RFC 7515 §2): no padding, no whitespace,
// no characters outside the URL-safe alphabet, and canonical trailing bits (the unused low bits
// of the last character must be zero, so every byte string has exactly one encoding).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jwtd::jose {

std::string Base64UrlEncode(std::string_view bytes);
// Appends the encoding of `bytes` to *out (no reallocation when *out has the capacity).
void Base64UrlEncodeAppend(std::string_view bytes, std::string* out);

// Decodes `in` into *out (replacing its contents). Returns false, leaving *out unspecified,
// when `in` is not strict canonical base64url.
[[nodiscard]] bool Base64UrlDecode(std::string_view in, std::string* out);

// Exact decoded length of a valid encoding of `encoded_len` characters.
constexpr std::size_t Base64UrlDecodedLength(std::size_t encoded_len) {
  return encoded_len / 4 * 3 + (encoded_len % 4 == 0 ? 0 : encoded_len % 4 - 1);
}

}  // namespace jwtd::jose
