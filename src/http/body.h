// Request bodies: JSON objects (RFC 8259) and, for the OAuth endpoints, form bodies
// (application/x-www-form-urlencoded, RFC 6749 §3.2 / Appendix B), both turned into the same
// flat field map so one handler serves both (style.md: no copy-pasted handlers).
//
// Strict: a JSON body must be one object; a field of the wrong type is an error naming the
// field; a form parameter may appear once only (RFC 6749 §3.2); a media type the endpoint does
// not take is 415. The size limit is enforced while reading (connection); JSON nesting is bounded
// here. Errors are kInvalidArgument/kBadRequest with a client-safe message, or the 415 marker.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "jwtd/result.h"

namespace jwtd::http {

enum class FieldKind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

struct Field {
  std::string name;
  FieldKind kind = FieldKind::kNull;
  std::string text;  // kString: the value; kNumber: its text
  bool boolean = false;
};

class BodyFields {
 public:
  BodyFields() = default;
  explicit BodyFields(std::vector<Field> fields, bool from_form)
      : fields_(std::move(fields)), from_form_(from_form) {}

  bool Has(std::string_view name) const { return Find(name) != nullptr; }
  // nullopt when absent (JSON null counts as absent); an error when present with another type.
  Result<std::optional<std::string>> String(std::string_view name) const;
  // JSON true/false; in a form "true"/"false".
  Result<std::optional<bool>> Bool(std::string_view name) const;
  // A required non-empty string: "missing field" / wrong-type errors otherwise.
  Result<std::string> RequiredString(std::string_view name) const;
  bool from_form() const { return from_form_; }

 private:
  const Field* Find(std::string_view name) const;
  std::vector<Field> fields_;
  bool from_form_ = false;
};

enum class BodyFormats : std::uint8_t { kJson = 1, kJsonOrForm = 3 };

// The message of the error ParseBody returns for an unsupported media type (the caller maps it
// to 415). Distinguished by Reason::kBadRequest + Code::kInvalidArgument + this message prefix
// is brittle, so the mapping uses IsUnsupportedMediaType().
bool IsUnsupportedMediaType(const Error& error);

// Parses the request body. An empty body yields no fields whatever the media type.
Result<BodyFields> ParseBody(const Request& request, BodyFormats formats);

// Lower-level pieces, exposed for tests.
Result<BodyFields> ParseJsonObject(std::string_view text);
Result<BodyFields> ParseForm(std::string_view text);
// The media type of a Content-Type value, lower-cased, without parameters.
std::string MediaType(std::string_view content_type);

}  // namespace jwtd::http
