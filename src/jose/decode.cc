#include "jwtd/jose/decode.h"

#include "jws_parse.h"
#include "jwtd/jose/base64url.h"

namespace jwtd::jose {

Reason SplitCompact(std::string_view compact, std::size_t max_bytes, CompactParts* out) {
  if (compact.size() > max_bytes) return Reason::kTokenTooLarge;
  // RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature).
  std::size_t first = compact.find('.');
  if (first == std::string_view::npos) return Reason::kMalformedToken;
  std::size_t second = compact.find('.', first + 1);
  if (second == std::string_view::npos) return Reason::kMalformedToken;
  if (compact.find('.', second + 1) != std::string_view::npos) return Reason::kMalformedToken;
  out->header = compact.substr(0, first);
  out->payload = compact.substr(first + 1, second - first - 1);
  out->signature = compact.substr(second + 1);
  out->signing_input = compact.substr(0, second);
  if (out->header.empty()) return Reason::kMalformedToken;
  return Reason::kNone;
}

Result<UnverifiedParts> DecodeUnverified(std::string_view compact, std::size_t max_bytes) {
  CompactParts parts;
  Reason r = SplitCompact(compact, max_bytes, &parts);
  if (r != Reason::kNone) return Error(Code::kInvalidArgument, r, std::string(ReasonName(r)));
  UnverifiedParts out;
  if (!Base64UrlDecode(parts.header, &out.header_json) ||
      !Base64UrlDecode(parts.payload, &out.payload) ||
      !Base64UrlDecode(parts.signature, &out.signature)) {
    return Error(Code::kInvalidArgument, Reason::kBadBase64, "segment is not strict base64url");
  }
  return out;
}

}  // namespace jwtd::jose
