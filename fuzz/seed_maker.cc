// seed_maker <fuzz-dir>: writes fuzz/keys/keys.jwks (one private key per algorithm, kid = alg
// name) unless it exists, and the seed corpora fuzz/corpus/<target>/ from those keys: valid
// tokens of every algorithm, JWKs of every kty, and edge cases. Run by hand when a corpus
// should be refreshed (the files are committed; the fuzz targets only read them).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_keys.h"
#include "jwtd/jose/base64url.h"
#include "jwtd/jose/signer.h"

namespace fs = std::filesystem;
using namespace jwtd::jose;

namespace {

void Write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "seed_maker: %s\n", what);
    std::exit(1);
  }
}

void MakeKeys(const fs::path& file) {
  std::string jwks = R"({"keys":[)";
  for (Alg alg : kAllAlgs) {
    auto key = Key::Generate(alg, std::string(AlgName(alg)));
    Check(key.ok(), "generate");
    if (jwks.back() != '[') jwks += ',';
    jwks += (*key)->ToJwk(true);
  }
  Write(file, jwks + "]}\n");
}

std::string Claims(std::int64_t iat, std::string_view extra = {}) {
  std::string t = std::to_string(iat);
  return R"({"iss":"https://auth.example.test","sub":"user-123","aud":"api","exp":)" +
         std::to_string(iat + 900) + R"(,"iat":)" + t + R"(,"nbf":)" + t +
         R"(,"jti":"Xo3kq9N1s2VbT5yPz8Lw0A","sid":"Qm7Tn2Lr5Vx8Zc1Bd4Fg6H","ver":3,)" +
         R"("scope":"read write")" + std::string(extra) + "}";
}

std::string Unsigned(std::string_view header, std::string_view payload, std::string_view sig) {
  return Base64UrlEncode(header) + "." + Base64UrlEncode(payload) + "." + Base64UrlEncode(sig);
}

void TokenSeeds(const KeySet& keys, const fs::path& dir) {
  const std::int64_t iat = jwtd::fuzz::kFuzzNow - 60;
  for (const auto& key : keys.keys()) {
    auto signer = Signer::Create(key);
    Check(signer.ok(), "signer");
    auto token = (*signer)->Sign(Claims(iat));
    Check(token.ok(), "sign");
    Write(dir / (key->kid() + ".jwt"), *token);
  }
  const Key& hs = *keys.Find("HS256");
  auto with = [&](std::string_view header, const std::string& payload) {
    auto t = SignWithHeader(hs, header, payload);
    Check(t.ok(), "SignWithHeader");
    return *t;
  };
  Write(dir / "no_typ.jwt", with(R"({"alg":"HS256","kid":"HS256"})", Claims(iat)));
  Write(dir / "crit.jwt",
        with(R"({"alg":"HS256","kid":"HS256","crit":["b64"],"b64":false})", Claims(iat)));
  Write(dir / "aud_array.jwt", with(R"({"alg":"HS256","typ":"at+jwt","kid":"HS256"})",
                                    R"({"iss":"https://auth.example.test","aud":["x","api"],)"
                                    R"("exp":1800000900,"iat":1799999940,"sub":"u","jti":"j",)"
                                    R"("sid":"s"})"));
  Write(dir / "expired.jwt",
        with(R"({"alg":"HS256","typ":"at+jwt","kid":"HS256"})", Claims(iat - 100000)));
  Write(dir / "alg_none.jwt", Unsigned(R"({"alg":"none","kid":"HS256"})", Claims(iat), ""));
  Write(dir / "unknown_kid.jwt",
        Unsigned(R"({"alg":"ES256","typ":"at+jwt","kid":"nope"})", Claims(iat), "xx"));
  Write(dir / "claims_std.json", Claims(iat));
  Write(dir / "claims_aud_array.json",
        R"({"aud":["x","api"],"exp":1800000900,"iss":"https://auth.example.test"})");
  Write(dir / "claims_dup.json", R"({"exp":1800000900,"exp":1})");
  Write(dir / "claims_types.json",
        R"({"exp":1.8e9,"nbf":-1,"iat":"1","ver":9007199254740993,"sub":"\u00e9\ud83d\ude00"})");
}

void JwkSeeds(const KeySet& keys, const fs::path& dir) {
  for (const auto& key : keys.keys()) {
    Write(dir / (key->kid() + "_private.json"), key->ToJwk(true));
    if (!key->symmetric()) Write(dir / (key->kid() + "_public.json"), key->ToJwk(false));
  }
  Write(dir / "jwks_public.json", keys.ToPublicJwks());
  Write(dir / "oct_no_alg.json", R"({"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMy"})");
  Write(dir / "oct_short.json", R"({"kty":"oct","alg":"HS256","k":"c2hvcnQ"})");
  Write(dir / "use_enc.json", R"({"kty":"OKP","crv":"Ed25519","use":"enc","x":"AA"})");
  Write(
      dir / "ec_bad_point.json",
      R"({"kty":"EC","crv":"P-256","alg":"ES256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",)"
      R"("y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})");
  Write(dir / "rsa_small.json", R"({"kty":"RSA","alg":"RS256","n":"AQAB","e":"AQAB"})");
  Write(dir / "dup_kid.json",
        R"({"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":)"
        R"("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMy"},{"kty":"oct","kid":"a",)"
        R"("alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMy"}]})");
}

void Base64Seeds(const fs::path& dir) {
  const char* seeds[] = {"",
                         "A",
                         "AA",
                         "AB",
                         "AAA",
                         "AAB",
                         "YWJj",
                         "YWJjZA",
                         "YW=",
                         "-_-_",
                         "a b",
                         "+/+/",
                         "eyJhbGciOiJIUzI1NiJ9"};
  int i = 0;
  for (const char* s : seeds) Write(dir / ("seed" + std::to_string(i++)), s);
}

}  // namespace

int main(int argc, char** argv) {
  Check(argc == 2, "usage: seed_maker <fuzz-dir>");
  fs::path root = argv[1];
  fs::path key_file = root / "keys" / "keys.jwks";
  if (!fs::exists(key_file)) MakeKeys(key_file);
  auto keys = KeySet::FromJwks(jwtd::fuzz::ReadFileOrDie(key_file.string()));
  Check(keys.ok(), "keys.jwks does not import");
  TokenSeeds(**keys, root / "corpus" / "token_verify_fuzz");
  JwkSeeds(**keys, root / "corpus" / "jwk_import_fuzz");
  Base64Seeds(root / "corpus" / "base64url_fuzz");
  return 0;
}
