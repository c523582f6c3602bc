// interop_tool — jwtd's side of the cross-implementation tests (interop_test.py):
//   interop_tool gen <alg> <dir>          new key: <dir>/key.jwk (private), public.jwk, and for
//                                         asymmetric algs public.pem and (if it can sign)
//                                         private.pem (PKCS#8)
//   interop_tool import <alg> <file> <dir>  a foreign key (JWK if it starts with '{', else PEM)
//                                         imported and written out as by gen
//   interop_tool sign <dir> <claims-json> prints the compact token (header typ at+jwt)
//   interop_tool verify <dir> <token>     verifies with <dir>/public.jwk (the JWKS view of the
//                                         key) at the real time; typ unchecked (PyJWT's is
//                                         "JWT"). Exit 0 and the claims JSON on stdout, or exit
//                                         1 and the failure reason on stderr.
// Exit 2 on usage or I/O errors.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "jwtd/clock.h"
#include "jwtd/jose/alg.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/key.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace fs = std::filesystem;
using namespace jwtd::jose;

namespace {

int Fail(int code, const std::string& what) {
  std::cerr << "interop_tool: " << what << "\n";
  return code;
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

bool WriteFile(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

int WriteKey(const Key& key, const fs::path& dir) {
  fs::create_directories(dir);
  bool ok = WriteFile(dir / "key.jwk", key.ToJwk(true)) &&
            WriteFile(dir / "public.jwk", key.ToJwk(key.symmetric()));
  if (!key.symmetric()) {
    auto pub = key.ToPem(false);
    if (!pub.ok()) return Fail(2, "public PEM export failed");
    ok = ok && WriteFile(dir / "public.pem", *pub);
  }
  if (!key.symmetric() && key.can_sign()) {
    auto priv = key.ToPem(true);
    if (!priv.ok()) return Fail(2, "private PEM export failed");
    ok = ok && WriteFile(dir / "private.pem", *priv);
  }
  return ok ? 0 : Fail(2, "cannot write key files");
}

int Gen(std::string_view alg_name, const fs::path& dir) {
  auto alg = ParseAlg(alg_name);
  if (!alg) return Fail(2, "unknown alg");
  auto key = Key::Generate(*alg, "interop-" + std::string(alg_name));
  if (!key.ok()) return Fail(2, "generate: " + key.error().message());
  return WriteKey(**key, dir);
}

int Import(std::string_view alg_name, const fs::path& file, const fs::path& dir) {
  auto alg = ParseAlg(alg_name);
  std::string text;
  if (!alg || !ReadFile(file, &text)) return Fail(2, "unknown alg or unreadable key file");
  auto key = !text.empty() && text.front() == '{'
                 ? Key::FromJwk(text, *alg)
                 : Key::FromPem(text, *alg, "imported-" + std::string(alg_name));
  if (!key.ok()) {
    return Fail(1, "import: " + std::string(jwtd::ReasonName(key.error().reason())));
  }
  return WriteKey(**key, dir);
}

jwtd::Result<std::shared_ptr<const Key>> LoadKey(const fs::path& file) {
  std::string jwk;
  if (!ReadFile(file, &jwk)) {
    return jwtd::Error(jwtd::Code::kNotFound, jwtd::Reason::kNotFound, "no key file");
  }
  auto key = Key::FromJwk(jwk);
  if (!key.ok()) return key.error();
  return std::shared_ptr<const Key>(std::move(key).value());
}

int Sign(const fs::path& dir, std::string_view claims) {
  auto key = LoadKey(dir / "key.jwk");
  if (!key.ok()) return Fail(2, "key: " + key.error().message());
  auto signer = Signer::Create(*key);
  if (!signer.ok()) return Fail(2, "signer: " + signer.error().message());
  auto token = (*signer)->Sign(claims);
  if (!token.ok()) return Fail(1, "sign: " + std::string(jwtd::ReasonName(token.error().reason())));
  std::cout << *token << "\n";
  return 0;
}

int Verify(const fs::path& dir, std::string_view token) {
  auto key = LoadKey(dir / "public.jwk");
  if (!key.ok()) return Fail(2, "key: " + key.error().message());
  auto set = KeySet::Of({*key});
  if (!set.ok()) return Fail(2, "keyset: " + set.error().message());
  VerifyOptions opts;
  opts.typ = "";  // PyJWT writes typ "JWT"; the profile check is not what is tested here
  auto verifier = Verifier::Create(std::move(set).value(), opts, jwtd::SystemClock());
  if (!verifier.ok()) return Fail(2, "verifier: " + verifier.error().message());
  auto claims = (*verifier)->Verify(token);
  if (!claims.ok()) return Fail(1, std::string(jwtd::ReasonName(claims.error().reason())));
  std::cout << claims->json() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "gen" && argc == 4) return Gen(argv[2], argv[3]);
  if (cmd == "import" && argc == 5) return Import(argv[2], argv[3], argv[4]);
  if (cmd == "sign" && argc == 4) return Sign(argv[2], argv[3]);
  if (cmd == "verify" && argc == 4) return Verify(argv[2], argv[3]);
  return Fail(2,
              "usage: interop_tool gen <alg> <dir> | import <alg> <file> <dir> | "
              "sign <dir> <claims-json> | verify <dir> <token>");
}
