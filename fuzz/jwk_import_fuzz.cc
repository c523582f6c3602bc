// Fuzzes JWK and JWK Set import (RFC 7517 §4, §5): Key::FromJwk (with and without an expected
// alg) and KeySet::FromJwks on arbitrary bytes. Every key that imports must survive its own
// export: ToJwk(private) re-imports to a key with the same kid, alg and RFC 7638 thumbprint;
// for asymmetric keys so do ToJwk(public) and the PEM forms, and the public half cannot sign.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "jwtd/jose/alg.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/key.h"

namespace {

using jwtd::jose::Key;
using jwtd::jose::KeySet;

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

void SameKey(const Key& a, const Key& b) {
  Require(a.kid() == b.kid());
  Require(a.alg() == b.alg());
  Require(a.Thumbprint() == b.Thumbprint());
}

// Names the failed re-import in the crash log (never key material: the reason and message only).
void RequireImported(const jwtd::Result<std::unique_ptr<Key>>& r, const char* what) {
  if (r.ok()) return;
  std::fprintf(stderr, "jwk_import_fuzz: re-import of %s failed: %s (%s)\n", what,
               std::string(jwtd::ReasonName(r.error().reason())).c_str(),
               r.error().message().c_str());
  __builtin_trap();
}

void CheckRoundTrip(const Key& key) {
  auto again = Key::FromJwk(key.ToJwk(true));
  RequireImported(again, "ToJwk(true)");
  SameKey(key, **again);
  Require((*again)->can_sign() == key.can_sign());
  if (key.symmetric()) {
    Require(!key.ToPem(false).ok());
    return;
  }
  auto pub = Key::FromJwk(key.ToJwk(false));
  RequireImported(pub, "ToJwk(false)");
  SameKey(key, **pub);
  Require(!(*pub)->can_sign());
  auto pem = key.ToPem(false);
  Require(pem.ok());
  auto from_pem = Key::FromPem(*pem, key.alg(), key.kid());
  RequireImported(from_pem, "ToPem(false)");
  SameKey(key, **from_pem);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  auto key = Key::FromJwk(in);
  if (key.ok()) CheckRoundTrip(**key);
  // The alg a caller expects when the JWK has none (chosen by the input, deterministically).
  jwtd::jose::Alg expected = jwtd::jose::kAllAlgs[size % std::size(jwtd::jose::kAllAlgs)];
  auto with_alg = Key::FromJwk(in, expected);
  if (with_alg.ok()) {
    Require((*with_alg)->alg() == expected);
    CheckRoundTrip(**with_alg);
  }

  auto set = KeySet::FromJwks(in);
  if (set.ok()) {
    for (const auto& k : (*set)->keys()) {
      Require((*set)->Find(k->kid()) == k.get());
    }
    std::string published = (*set)->ToPublicJwks();
    auto pub = KeySet::FromJwks(published);
    Require(pub.ok());
    for (const auto& k : (*pub)->keys()) {
      Require(!k->symmetric() && !k->can_sign());
      const Key* orig = (*set)->Find(k->kid());
      Require(orig != nullptr);
      SameKey(*orig, *k);
    }
  }
  return 0;
}
