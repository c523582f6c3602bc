// Writing JSON text: a string literal with the escapes RFC 8259 §7 requires. For the few
// fixed-shape documents built on a hot path (a JWS header, GET /v1/me) where a DOM would cost
// more than the document. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace jwtd::jose::json {

// Appends `s` as a JSON string literal (RFC 8259 §7), quotes included: '"' and '\' escaped,
// control characters as \u00XX, everything else (UTF-8 included) as is.
void AppendQuoted(std::string_view s, std::string* out);

}  // namespace jwtd::jose::json
