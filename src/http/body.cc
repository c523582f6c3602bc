#include "http/body.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

namespace jwtd::http {
namespace {

constexpr std::string_view kUnsupportedMedia = "unsupported media type";
// Request bodies are small flat objects; deeper nesting is refused early.
constexpr std::size_t kMaxJsonDepth = 8;

Error BadRequest(std::string message) {
  return Error(Code::kInvalidArgument, Reason::kBadRequest, std::move(message));
}

Field ToField(std::string_view name, const boost::json::value& v) {
  Field f;
  f.name = std::string(name);
  switch (v.kind()) {
    case boost::json::kind::null:
      f.kind = FieldKind::kNull;
      break;
    case boost::json::kind::bool_:
      f.kind = FieldKind::kBool;
      f.boolean = v.get_bool();
      break;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      f.kind = FieldKind::kNumber;
      f.text = boost::json::serialize(v);
      break;
    case boost::json::kind::string:
      f.kind = FieldKind::kString;
      f.text = std::string(v.get_string());
      break;
    case boost::json::kind::array:
      f.kind = FieldKind::kArray;
      break;
    case boost::json::kind::object:
      f.kind = FieldKind::kObject;
      break;
  }
  return f;
}

}  // namespace

bool IsUnsupportedMediaType(const Error& error) {
  return error.reason() == Reason::kBadRequest && error.message().starts_with(kUnsupportedMedia);
}

const Field* BodyFields::Find(std::string_view name) const {
  for (const auto& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Result<std::optional<std::string>> BodyFields::String(std::string_view name) const {
  const Field* f = Find(name);
  if (f == nullptr || f->kind == FieldKind::kNull) return std::optional<std::string>();
  if (f->kind != FieldKind::kString) {
    return BadRequest("field '" + std::string(name) + "' must be a string");
  }
  return std::optional<std::string>(f->text);
}

Result<std::optional<bool>> BodyFields::Bool(std::string_view name) const {
  const Field* f = Find(name);
  if (f == nullptr || f->kind == FieldKind::kNull) return std::optional<bool>();
  if (f->kind == FieldKind::kBool) return std::optional<bool>(f->boolean);
  if (from_form_ && f->kind == FieldKind::kString && (f->text == "true" || f->text == "false")) {
    return std::optional<bool>(f->text == "true");
  }
  return BadRequest("field '" + std::string(name) + "' must be a boolean");
}

Result<std::string> BodyFields::RequiredString(std::string_view name) const {
  auto v = String(name);
  if (!v.ok()) return v.error();
  if (!v->has_value() || (*v)->empty()) {
    return BadRequest("missing field '" + std::string(name) + "'");
  }
  return std::move(**v);
}

Result<BodyFields> ParseJsonObject(std::string_view text) {
  unsigned char stack[4096];
  boost::json::monotonic_resource mr(stack, sizeof stack);
  boost::json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, &mr, opts);
  if (ec) return BadRequest("malformed JSON body");
  if (!v.is_object()) return BadRequest("JSON body must be an object");
  std::vector<Field> fields;
  fields.reserve(v.get_object().size());
  for (const auto& member : v.get_object()) fields.push_back(ToField(member.key(), member.value()));
  return BodyFields(std::move(fields), false);
}

Result<BodyFields> ParseForm(std::string_view text) {
  auto params = boost::urls::parse_query(text);
  if (!params) return BadRequest("malformed form body");
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;  // application/x-www-form-urlencoded (HTML §4.10.21.7)
  std::vector<Field> fields;
  for (const auto& p : *params) {
    if (p.key.empty() && !p.has_value) continue;  // "a=1&&b=2"
    Field f;
    f.name = p.key.decode(opts);
    f.kind = FieldKind::kString;
    f.text = p.has_value ? p.value.decode(opts) : std::string();
    for (const auto& seen : fields) {
      // RFC 6749 §3.2: parameters MUST NOT be included more than once.
      if (seen.name == f.name) return BadRequest("parameter '" + f.name + "' repeated");
    }
    fields.push_back(std::move(f));
  }
  return BodyFields(std::move(fields), true);
}

std::string MediaType(std::string_view content_type) {
  content_type = TrimOws(content_type.substr(0, content_type.find(';')));
  std::string out(content_type);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

Result<BodyFields> ParseBody(const Request& request, BodyFormats formats) {
  if (request.body.empty()) return BodyFields();
  if (request.HeaderCount("content-type") > 1) return BadRequest("repeated Content-Type");
  const std::string type = MediaType(request.Header("content-type").value_or(""));
  if (type == "application/json") return ParseJsonObject(request.body);
  if (type == "application/x-www-form-urlencoded" && formats == BodyFormats::kJsonOrForm) {
    return ParseForm(request.body);
  }
  return BadRequest(std::string(kUnsupportedMedia) +
                    (formats == BodyFormats::kJsonOrForm
                         ? ": use application/json or application/x-www-form-urlencoded"
                         : ": use application/json"));
}

}  // namespace jwtd::http
