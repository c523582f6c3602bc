// SAX sinks for the JOSE header and the claims set: one pass, no DOM (json_sax.h).
#include <limits>

#include "json_sax.h"
#include "jws_parse.h"

namespace jwtd::jose {
namespace {

class HeaderSink {
 public:
  explicit HeaderSink(HeaderFields* out) : out_(out) {}

  Reason OnTopKey(std::string_view key) {
    field_ = nullptr;
    if (key == "alg") {
      field_ = &out_->alg, flag_ = &out_->has_alg, type_error_ = Reason::kUnsupportedAlg;
    } else if (key == "kid") {
      field_ = &out_->kid, flag_ = &out_->has_kid, type_error_ = Reason::kUnknownKid;
    } else if (key == "typ") {
      field_ = &out_->typ, flag_ = &out_->has_typ, type_error_ = Reason::kBadType;
    } else if (key == "crit") {
      out_->has_crit = true;  // any crit rejects later: jose implements no extension
    }
    return Reason::kNone;
  }
  Reason OnTopValue(const json::Value& v) {
    if (field_ == nullptr) return Reason::kNone;
    if (v.kind != json::Kind::kString) return type_error_;
    field_->assign(v.str);
    *flag_ = true;
    return Reason::kNone;
  }
  Reason OnArrayElement(const json::Value&) { return Reason::kNone; }

 private:
  HeaderFields* out_;
  std::string* field_ = nullptr;
  bool* flag_ = nullptr;
  Reason type_error_ = Reason::kNone;
};

}  // namespace

Reason ParseHeader(std::string_view json, HeaderFields* out) {
  out->has_alg = out->has_kid = out->has_typ = out->has_crit = false;
  out->alg.clear();
  out->kid.clear();
  out->typ.clear();
  HeaderSink sink(out);
  return json::ParseObject(json, sink);
}

// Friend of Claims: fills its private fields claim by claim as the parser reports them.
class ClaimsSink {
 public:
  enum class Id : std::uint8_t {
    kOther,
    kIss,
    kSub,
    kJti,
    kSid,
    kScope,
    kAud,
    kExp,
    kNbf,
    kIat,
    kVer
  };

  ClaimsSink(std::string* iss, std::string* sub, std::string* jti, std::string* sid,
             std::string* scope, std::vector<std::string>* aud, std::vector<std::string>* present)
      : iss_(iss), sub_(sub), jti_(jti), sid_(sid), scope_(scope), aud_(aud), present_(present) {}

  std::optional<std::int64_t> exp, nbf, iat, ver;

  Reason OnTopKey(std::string_view key);
  Reason OnTopValue(const json::Value& v);
  Reason OnArrayElement(const json::Value& v) {
    if (id_ != Id::kAud) return Reason::kNone;
    if (v.kind != json::Kind::kString) return Reason::kMissingClaim;  // RFC 7519 §4.1.3
    aud_->emplace_back(v.str);
    return Reason::kNone;
  }

 private:
  std::string* StringField() const;

  std::string *iss_, *sub_, *jti_, *sid_, *scope_;
  std::vector<std::string>* aud_;
  std::vector<std::string>* present_;
  Id id_ = Id::kOther;
};

namespace {

// RFC 7519 §2 NumericDate, restricted by jose's profile to an integer JSON number in
// [0, kMaxNumericDate]: no fractions, exponents, strings or negative times.
Reason NumericDate(const json::Value& v, std::optional<std::int64_t>* out) {
  if (v.kind == json::Kind::kInt64 && v.i >= 0 && v.i <= kMaxNumericDate) {
    *out = v.i;
    return Reason::kNone;
  }
  if (v.kind == json::Kind::kUint64 && v.u <= static_cast<std::uint64_t>(kMaxNumericDate)) {
    *out = static_cast<std::int64_t>(v.u);
    return Reason::kNone;
  }
  return Reason::kBadNumericDate;
}

// Classifies a top-level claim name; the length and first character filter first.
ClaimsSink::Id ClassifyClaim(std::string_view key) {
  using Id = ClaimsSink::Id;
  if (key.size() == 3) {
    static constexpr std::pair<std::string_view, Id> kThree[] = {
        {"iss", Id::kIss}, {"sub", Id::kSub}, {"jti", Id::kJti},
        {"sid", Id::kSid}, {"aud", Id::kAud}, {"exp", Id::kExp},
        {"nbf", Id::kNbf}, {"iat", Id::kIat}, {"ver", Id::kVer}};
    for (const auto& [name, id] : kThree) {
      if (name[0] == key[0] && name == key) return id;
    }
    return Id::kOther;
  }
  return key == "scope" ? Id::kScope : Id::kOther;
}

}  // namespace

Reason ClaimsSink::OnTopKey(std::string_view key) {
  present_->emplace_back(key);
  id_ = ClassifyClaim(key);
  return Reason::kNone;
}

std::string* ClaimsSink::StringField() const {
  switch (id_) {
    case Id::kIss:
      return iss_;
    case Id::kSub:
      return sub_;
    case Id::kJti:
      return jti_;
    case Id::kSid:
      return sid_;
    case Id::kScope:
      return scope_;
    default:
      return nullptr;
  }
}

Reason ClaimsSink::OnTopValue(const json::Value& v) {
  if (std::string* field = StringField()) {
    if (v.kind != json::Kind::kString) return Reason::kMissingClaim;  // StringOrURI, §4.1
    field->assign(v.str);
    return Reason::kNone;
  }
  switch (id_) {
    case Id::kAud:  // RFC 7519 §4.1.3: a string or an array of strings
      if (v.kind == json::Kind::kString) aud_->emplace_back(v.str);
      return v.kind == json::Kind::kString || v.kind == json::Kind::kArray ? Reason::kNone
                                                                           : Reason::kMissingClaim;
    case Id::kExp:
      return NumericDate(v, &exp);
    case Id::kNbf:
      return NumericDate(v, &nbf);
    case Id::kIat:
      return NumericDate(v, &iat);
    case Id::kVer:
      if (v.kind == json::Kind::kInt64 && v.i >= 0) {
        ver = v.i;
      } else if (v.kind == json::Kind::kUint64 &&
                 v.u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        ver = static_cast<std::int64_t>(v.u);
      } else {
        return Reason::kMissingClaim;  // ver must be a non-negative integer (api.md)
      }
      return Reason::kNone;
    default:
      return Reason::kNone;
  }
}

Reason ClaimsBuilder::Build(const HeaderFields& header, Alg alg, std::string payload, Claims* out) {
  out->present_.reserve(12);
  ClaimsSink sink(&out->iss_, &out->sub_, &out->jti_, &out->sid_, &out->scope_, &out->aud_,
                  &out->present_);
  Reason r = json::ParseObject(payload, sink);
  if (r != Reason::kNone) return r;
  // RFC 9068 §2.2: exp is required; a token without it never verifies.
  if (!sink.exp) return Reason::kMissingClaim;
  out->exp_ = *sink.exp;
  out->nbf_ = sink.nbf;
  out->iat_ = sink.iat;
  out->ver_ = sink.ver;
  out->alg_ = alg;
  out->kid_ = header.kid;
  out->typ_ = header.typ;
  out->json_ = std::move(payload);
  return Reason::kNone;
}

}  // namespace jwtd::jose
