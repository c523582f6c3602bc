// JWK Sets (RFC 7517 §5).
#include "jwtd/jose/jwks.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "json_sax.h"
#include "key_impl.h"

namespace jwtd::jose {
namespace {

namespace bj = boost::json;

// Wipes every string of a parsed JWK Set: private keys may have passed through it.
void WipeStrings(bj::value& v) {
  if (v.is_string()) {
    OPENSSL_cleanse(v.get_string().data(), v.get_string().size());
  } else if (v.is_array()) {
    for (bj::value& e : v.get_array()) WipeStrings(e);
  } else if (v.is_object()) {
    for (auto& m : v.get_object()) WipeStrings(m.value());
  }
}

Result<std::vector<std::shared_ptr<const Key>>> ImportKeys(const bj::value& doc,
                                                           std::optional<Alg> alg_if_absent) {
  const bj::value* keys = doc.is_object() ? doc.get_object().if_contains("keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) {
    return KeyError(Reason::kBadKey, "JWK Set has no \"keys\" array");
  }
  std::vector<std::shared_ptr<const Key>> out;
  for (const bj::value& jwk : keys->get_array()) {
    if (!jwk.is_object()) return KeyError(Reason::kBadKey, "JWK Set member is not an object");
    std::string text = bj::serialize(jwk);
    auto key = Key::FromJwk(text, alg_if_absent);
    OPENSSL_cleanse(text.data(), text.size());
    if (!key.ok()) return key.error();
    out.push_back(std::move(*key));
  }
  return out;
}

}  // namespace

KeySet::KeySet(std::vector<std::shared_ptr<const Key>> keys) : keys_(std::move(keys)) {}

Result<std::shared_ptr<const KeySet>> KeySet::Of(std::vector<std::shared_ptr<const Key>> keys) {
  for (const auto& k : keys) {
    if (k == nullptr) return KeyError(Reason::kBadKey, "null key in key set");
  }
  std::sort(keys.begin(), keys.end(),
            [](const auto& a, const auto& b) { return a->kid() < b->kid(); });
  // RFC 7517 §4.5: kids distinguish keys within a set; a duplicate would make lookup ambiguous.
  auto dup = std::adjacent_find(keys.begin(), keys.end(),
                                [](const auto& a, const auto& b) { return a->kid() == b->kid(); });
  if (dup != keys.end()) {
    return Error(Code::kAlreadyExists, Reason::kAlreadyExists, "duplicate kid in key set");
  }
  return std::shared_ptr<const KeySet>(new KeySet(std::move(keys)));
}

Result<std::shared_ptr<const KeySet>> KeySet::FromJwks(std::string_view jwks_json,
                                                       std::optional<Alg> alg_if_absent) {
  json::AnySink sink;
  if (json::ParseObject(jwks_json, sink) != Reason::kNone) {
    return KeyError(Reason::kBadKey, "JWK Set is not a strict JSON object");
  }
  bj::error_code ec;
  bj::value doc = bj::parse(bj::string_view(jwks_json.data(), jwks_json.size()), ec);
  if (ec) return KeyError(Reason::kBadKey, "JWK Set is not JSON");
  auto keys = ImportKeys(doc, alg_if_absent);
  WipeStrings(doc);
  if (!keys.ok()) return keys.error();
  return Of(std::move(*keys));
}

const Key* KeySet::Find(std::string_view kid) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), kid,
                             [](const auto& k, std::string_view v) { return k->kid() < v; });
  return it != keys_.end() && (*it)->kid() == kid ? it->get() : nullptr;
}

std::string KeySet::ToPublicJwks() const {
  std::string out = "{\"keys\":[";
  bool first = true;
  for (const auto& k : keys_) {
    if (k->symmetric()) continue;  // HMAC secrets are never published
    if (!first) out.push_back(',');
    first = false;
    out += k->ToJwk(false);
  }
  out += "]}";
  return out;
}

}  // namespace jwtd::jose
