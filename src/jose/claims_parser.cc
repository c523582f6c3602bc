// SAX sinks for the JOSE header and the claims set: one pass, no DOM (json_sax.h).
#include <cstdint>
#include <limits>
#include <vector>

#include "claim_bit.h"
#include "json_flat.h"
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

// Friend of Claims: fills its private fields claim by claim as a parser reports them. String
// claims become spans of Claims::json_ when the parser hands out a view into it (no escapes),
// else copies in Claims::extra_.
class ClaimsSink {
 public:
  explicit ClaimsSink(Claims* out) : c_(out) {}

  Reason OnTopKey(std::string_view key) {
    bit_ = Claims::ClaimBit(key);
    if (bit_ != 0) {
      c_->present_ |= bit_;  // a repeated name fails the parse (json_sax.h, json_flat.h)
    } else {
      c_->other_names_.push_back(Store(key));
    }
    return Reason::kNone;
  }
  Reason OnTopValue(const json::Value& v);
  Reason OnArrayElement(const json::Value& v) {
    if (bit_ != Claims::kAudBit) return Reason::kNone;
    if (v.kind != json::Kind::kString) return Reason::kMissingClaim;  // RFC 7519 §4.1.3
    c_->aud_.push_back(Store(v.str));
    return Reason::kNone;
  }

 private:
  Claims::Span Store(std::string_view s);
  Claims::Span* StringField() const;

  Claims* c_;
  std::uint16_t bit_ = 0;  // Claims::k*Bit of the current member, 0 for other names
};

namespace {

// RFC 7519 §2 NumericDate, restricted by jose's profile to an integer JSON number in
// [0, kMaxNumericDate]: no fractions, exponents, strings or negative times.
Reason NumericDate(const json::Value& v, std::int64_t* out) {
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

// ver must be a non-negative integer (api.md).
Reason Version(const json::Value& v, std::int64_t* out) {
  if (v.kind == json::Kind::kInt64 && v.i >= 0) {
    *out = v.i;
  } else if (v.kind == json::Kind::kUint64 &&
             v.u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    *out = static_cast<std::int64_t>(v.u);
  } else {
    return Reason::kMissingClaim;
  }
  return Reason::kNone;
}

}  // namespace

Claims::Span ClaimsSink::Store(std::string_view s) {
  const std::string& json = c_->json_;
  auto at = reinterpret_cast<std::uintptr_t>(s.data());
  auto base = reinterpret_cast<std::uintptr_t>(json.data());
  if (at >= base && at - base + s.size() <= json.size()) {
    return {static_cast<std::uint32_t>(at - base), static_cast<std::uint32_t>(s.size())};
  }
  // Unescaped by the parser into its own buffer; extra_ is bounded by the payload's size.
  Claims::Span span{static_cast<std::uint32_t>(c_->extra_.size()) | Claims::kExtraBit,
                    static_cast<std::uint32_t>(s.size())};
  c_->extra_.append(s);
  return span;
}

Claims::Span* ClaimsSink::StringField() const {
  switch (bit_) {
    case Claims::kIssBit:
      return &c_->iss_;
    case Claims::kSubBit:
      return &c_->sub_;
    case Claims::kJtiBit:
      return &c_->jti_;
    case Claims::kSidBit:
      return &c_->sid_;
    case Claims::kScopeBit:
      return &c_->scope_;
    default:
      return nullptr;
  }
}

Reason ClaimsSink::OnTopValue(const json::Value& v) {
  if (Claims::Span* field = StringField()) {
    if (v.kind != json::Kind::kString) return Reason::kMissingClaim;  // StringOrURI, §4.1
    *field = Store(v.str);
    return Reason::kNone;
  }
  switch (bit_) {
    case Claims::kAudBit:  // RFC 7519 §4.1.3: a string or an array of strings
      if (v.kind == json::Kind::kString) c_->aud_.push_back(Store(v.str));
      return v.kind == json::Kind::kString || v.kind == json::Kind::kArray ? Reason::kNone
                                                                           : Reason::kMissingClaim;
    case Claims::kExpBit:
      return NumericDate(v, &c_->exp_);
    case Claims::kNbfBit:
      return NumericDate(v, &c_->nbf_);
    case Claims::kIatBit:
      return NumericDate(v, &c_->iat_);
    case Claims::kVerBit:
      return Version(v, &c_->ver_);
    default:
      return Reason::kNone;
  }
}

void ClaimsBuilder::ResetParsed(Claims* c) {
  c->present_ = 0;
  c->iss_ = c->sub_ = c->jti_ = c->sid_ = c->scope_ = Claims::Span{};
  c->aud_.clear();
  c->other_names_.clear();
  c->exp_ = c->nbf_ = c->iat_ = c->ver_ = 0;
  c->extra_.clear();
}

Reason ClaimsBuilder::Parse(Claims* out, Path path, bool* used_fast) {
  bool fast = false;
  if (path != Path::kStrictOnly) {
    ClaimsSink sink(out);
    fast = json::ParseFlatObject(out->json_, sink);
    if (!fast) ResetParsed(out);  // no verdict: the strict parser starts from scratch
  }
  if (used_fast != nullptr) *used_fast = fast;
  if (fast) return Reason::kNone;
  if (path == Path::kFastOnly) return Reason::kBadJson;
  ClaimsSink sink(out);
  return json::ParseObject(out->json_, sink);
}

Reason ClaimsBuilder::Build(const HeaderFields& header, Alg alg, std::string payload, Claims* out,
                            Path path, bool* used_fast) {
  // Claims::Span offsets have 31 bits; tokens are far smaller (VerifyOptions::max_token_bytes).
  if (payload.size() >= Claims::kExtraBit) return Reason::kTokenTooLarge;
  out->json_ = std::move(payload);
  Reason r = Parse(out, path, used_fast);
  if (r != Reason::kNone) return r;
  // RFC 9068 §2.2: exp is required; a token without it never verifies.
  if ((out->present_ & Claims::kExpBit) == 0) return Reason::kMissingClaim;
  out->alg_ = alg;
  out->kid_ = header.kid;
  out->typ_ = header.typ;
  return Reason::kNone;
}

std::vector<std::string_view> ClaimsBuilder::OtherNames(const Claims& c) {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < c.other_names_.size(); ++i) {
    names.push_back(c.View(c.other_names_[i]));
  }
  return names;
}

}  // namespace jwtd::jose
