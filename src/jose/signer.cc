// JWS compact signing (RFC 7515 §5.1, §7.1).
#include "jwtd/jose/signer.h"

#include "json_sax.h"
#include "jws_crypto.h"
#include "jws_parse.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/json_text.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

Error BadInput(Reason r, std::string msg) {
  return Error(Code::kInvalidArgument, r, std::move(msg));
}

// BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature), RFC 7515 §7.1.
Result<std::string> SignCompact(const Key& key, std::string_view header, std::string_view payload) {
  std::string out;
  out.reserve((header.size() + payload.size()) * 4 / 3 + 512 + 8);
  Base64UrlEncodeAppend(header, &out);
  out.push_back('.');
  Base64UrlEncodeAppend(payload, &out);
  Result<std::string> sig = SignJws(key.impl(), out);
  if (!sig.ok()) return sig.error();
  out.push_back('.');
  Base64UrlEncodeAppend(*sig, &out);
  return out;
}

class SignerImpl final : public Signer {
 public:
  explicit SignerImpl(std::shared_ptr<const Key> key) : key_(std::move(key)) {}

  Result<std::string> Sign(std::string_view claims_json, std::string_view typ) const override {
    json::AnySink sink;
    // The payload is signed byte for byte, so it must already be strict JSON (RFC 7519 §7.1).
    Reason r = json::ParseObject(claims_json, sink);
    if (r != Reason::kNone) return BadInput(r, "claims are not a strict JSON object");
    std::string header = "{\"alg\":";
    json::AppendQuoted(AlgName(key_->alg()), &header);
    if (!typ.empty()) {
      header += ",\"typ\":";
      json::AppendQuoted(typ, &header);
    }
    header += ",\"kid\":";
    json::AppendQuoted(key_->kid(), &header);
    header.push_back('}');
    return SignCompact(*key_, header, claims_json);
  }

  const Key& key() const override { return *key_; }

 private:
  std::shared_ptr<const Key> key_;  // immutable, shared with the key set
};

}  // namespace

Result<std::unique_ptr<Signer>> Signer::Create(std::shared_ptr<const Key> key) {
  if (key == nullptr || !key->can_sign()) return BadInput(Reason::kBadKey, "key cannot sign");
  return std::unique_ptr<Signer>(std::make_unique<SignerImpl>(std::move(key)));
}

Result<std::string> SignWithHeader(const Key& key, std::string_view header_json,
                                   std::string_view payload) {
  if (!key.can_sign()) return BadInput(Reason::kBadKey, "key cannot sign");
  HeaderFields fields;
  Reason r = ParseHeader(header_json, &fields);
  if (r != Reason::kNone) return BadInput(r, "header is not a strict JSON object");
  // The key pins the algorithm (RFC 8725 §3.1); the header must name it.
  if (!fields.has_alg || ParseAlg(fields.alg) != key.alg()) {
    return BadInput(Reason::kAlgMismatch, "header alg differs from the key's alg");
  }
  return SignCompact(key, header_json, payload);
}

}  // namespace jwtd::jose
