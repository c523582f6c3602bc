// Verifier: the RFC 7515 §5.2 steps in the order of verifier.h, ending in one funnel (Fail).
#include "jwtd/jose/verifier.h"

#include <algorithm>

#include "jws_crypto.h"
#include "jwtd/compare.h"
#include "jws_parse.h"
#include "jwtd/jose/base64url.h"
#include "key_impl.h"
#include "verify_internal.h"

namespace jwtd::jose {
namespace {

Error Fail(Reason r) { return Error(Code::kUnauthenticated, r, std::string(ReasonName(r))); }

// Decoded segments and header fields, reused by every verification on this thread so the
// hot path does not allocate once warm. The last successfully parsed header is remembered by
// its exact base64url text: a token from the same issuer key repeats it byte for byte, and
// identical bytes parse to identical fields, so the decode and parse are skipped.
struct Scratch {
  std::string header, signature;
  std::string header_b64;     // text of the header that `fields` was parsed from
  bool header_valid = false;  // fields hold the successful parse of header_b64
  HeaderFields fields;
};

// RFC 7515 §5.2 steps 2-3 for the header, or the remembered result for the same bytes.
Reason DecodeHeader(std::string_view header_b64, Scratch& s) {
  if (s.header_valid && header_b64 == s.header_b64) return Reason::kNone;
  s.header_valid = false;
  if (!Base64UrlDecode(header_b64, &s.header)) return Reason::kBadBase64;
  Reason r = ParseHeader(s.header, &s.fields);
  if (r != Reason::kNone) return r;
  s.header_b64.assign(header_b64);
  s.header_valid = true;
  return Reason::kNone;
}

Scratch& ThreadScratch() {
  thread_local Scratch s;
  return s;
}

// alg, crit, kid and the alg binding (RFC 8725 §3.1, RFC 7515 §4.1.11). Sets *key.
Reason CheckHeader(const HeaderFields& h, const KeySet* keys, const Key* fixed, const Key** key) {
  if (!h.has_alg) return Reason::kUnsupportedAlg;
  // "none" never verifies (RFC 8725 §2.1, §3.1); any spelling of it is named for the logs.
  if (EqualsIgnoreCaseAscii(h.alg, "none")) return Reason::kAlgNone;
  std::optional<Alg> parsed = ParseAlg(h.alg);
  if (!parsed) return Reason::kUnsupportedAlg;
  // RFC 7515 §4.1.11: crit lists extensions that must be understood; jose implements none.
  if (h.has_crit) return Reason::kUnsupportedCrit;
  if (fixed != nullptr) {
    *key = fixed;
  } else {
    *key = h.has_kid && keys != nullptr ? keys->Find(h.kid) : nullptr;
    if (*key == nullptr) return Reason::kUnknownKid;
  }
  // The key pins the algorithm; the token's alg must agree (RFC 8725 §2.1 alg confusion).
  if ((*key)->alg() != *parsed) return Reason::kAlgMismatch;
  return Reason::kNone;
}

// RFC 7515 §4.1.9: typ compared case-insensitively, "application/" prefix optional.
std::string_view StripMediaPrefix(std::string_view t) {
  constexpr std::string_view kPrefix = "application/";
  if (t.size() > kPrefix.size() && EqualsIgnoreCaseAscii(t.substr(0, kPrefix.size()), kPrefix)) {
    t.remove_prefix(kPrefix.size());
  }
  return t;
}

bool TypMatches(std::string_view got, std::string_view want) {
  return EqualsIgnoreCaseAscii(StripMediaPrefix(got), StripMediaPrefix(want));
}

class VerifierImpl final : public Verifier {
 public:
  VerifierImpl(std::shared_ptr<const KeySet> keys, VerifyOptions options, const Clock* clock)
      : keys_(std::move(keys)), options_(std::move(options)), clock_(clock) {}

  Result<Claims> Verify(std::string_view compact) const override {
    Result<Claims> claims = VerifySignature(compact);
    if (!claims.ok()) return claims;
    JWTD_RETURN_IF_ERROR(ValidateClaims(*claims));
    return claims;
  }

  Result<Claims> VerifySignature(std::string_view compact) const override {
    return VerifyCompact(compact, options_.max_token_bytes, keys_.get(), nullptr);
  }

  Result<void> ValidateClaims(const Claims& claims) const override;

  const VerifyOptions& options() const override { return options_; }
  const KeySet& keys() const override { return *keys_; }

 private:
  // Immutable after construction.
  std::shared_ptr<const KeySet> keys_;
  VerifyOptions options_;
  const Clock* clock_;
};

Result<void> VerifierImpl::ValidateClaims(const Claims& c) const {
  const VerifyOptions& o = options_;
  // RFC 8725 §3.11 explicit typing; RFC 9068 §4 requires at+jwt for access tokens.
  if (!o.typ.empty() && !TypMatches(c.typ(), o.typ)) return Fail(Reason::kBadType);
  const std::int64_t now = clock_->NowSeconds();
  const std::int64_t leeway = o.leeway_seconds;  // >= 0 and bounded (Create)
  // RFC 7519 §4.1.4: the current time MUST be before exp (leeway for clock skew).
  if (now >= c.exp() + leeway) return Fail(Reason::kTokenExpired);
  // RFC 7519 §4.1.5: the current time MUST be on or after nbf.
  if (c.nbf() && now < *c.nbf() - leeway) return Fail(Reason::kNotYetValid);
  // RFC 7519 §4.1.6 leaves iat unchecked; a token from the future is refused (RFC 8725 §3.10).
  if (c.iat() && *c.iat() > now + leeway) return Fail(Reason::kIssuedInFuture);
  // RFC 8725 §3.8 / RFC 9068 §4: exact issuer.
  if (!o.issuer.empty() && (!c.Has("iss") || c.iss() != o.issuer)) {
    return Fail(Reason::kBadIssuer);
  }
  // RFC 7519 §4.1.3 / RFC 8725 §3.9: aud must name us.
  if (!o.audiences.empty() && std::none_of(c.aud().begin(), c.aud().end(), [&](const auto& a) {
        return std::find(o.audiences.begin(), o.audiences.end(), a) != o.audiences.end();
      })) {
    return Fail(Reason::kBadAudience);
  }
  for (const std::string& name : o.required_claims) {
    if (!c.Has(name)) return Fail(Reason::kMissingClaim);
  }
  return Ok();
}

// The RFC 7515 §5.2 steps; fills *out and returns kNone, or returns why the token is refused.
Reason VerifyInto(std::string_view compact, std::size_t max_bytes, const KeySet* keys,
                  const Key* fixed_key, Claims* out) {
  CompactParts parts;
  Reason r = SplitCompact(compact, max_bytes, &parts);
  if (r != Reason::kNone) return r;
  Scratch& s = ThreadScratch();
  // RFC 7515 §2, §5.2 steps 2, 6, 7: strict base64url for every segment. The payload is
  // decoded straight into the string the Claims will own.
  std::string payload;
  if (!Base64UrlDecode(parts.payload, &payload) ||
      !Base64UrlDecode(parts.signature, &s.signature)) {
    return Reason::kBadBase64;
  }
  r = DecodeHeader(parts.header, s);  // RFC 7515 §5.2 step 3
  if (r != Reason::kNone) return r;
  const Key* key = nullptr;
  r = CheckHeader(s.fields, keys, fixed_key, &key);
  if (r != Reason::kNone) return r;
  // RFC 7515 §5.2 step 8.
  if (!VerifyJwsSignature(key->impl(), parts.signing_input, s.signature)) {
    return Reason::kBadSignature;
  }
  return ClaimsBuilder::Build(s.fields, key->alg(), std::move(payload), out);
}

}  // namespace

Result<Claims> VerifyCompact(std::string_view compact, std::size_t max_bytes, const KeySet* keys,
                             const Key* fixed_key) {
  // Filled in place and returned by name (one funnel): a Claims is not cheap to move.
  Result<Claims> claims{Claims{}};
  Reason r = VerifyInto(compact, max_bytes, keys, fixed_key, &*claims);
  if (r != Reason::kNone) claims = Fail(r);
  return claims;
}

Result<std::unique_ptr<Verifier>> Verifier::Create(std::shared_ptr<const KeySet> keys,
                                                   VerifyOptions options, const Clock* clock) {
  if (keys == nullptr || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "Verifier needs keys and a clock");
  }
  // Bounded leeway keeps the time arithmetic far from overflow (NumericDate <= 2^38).
  if (options.leeway_seconds < 0 || options.leeway_seconds > 86400) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "leeway must be in [0, 86400] s");
  }
  return std::unique_ptr<Verifier>(
      std::make_unique<VerifierImpl>(std::move(keys), std::move(options), clock));
}

}  // namespace jwtd::jose
