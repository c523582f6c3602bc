// The fixed key set of the fuzz targets and their seed corpora: one private key per algorithm,
// kid = the algorithm's name, loaded from fuzz/keys/keys.jwks (written once by seed_maker, so
// the committed seed tokens verify and the fuzzer reaches the claims checks).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "jwtd/jose/jwks.h"

namespace jwtd::fuzz {

// The time the fuzz verifiers run at; seed tokens are issued at kFuzzNow - 60.
inline constexpr std::int64_t kFuzzNow = 1'800'000'000;
inline constexpr const char* kFuzzIssuer = "https://auth.example.test";
inline constexpr const char* kFuzzAudience = "api";

inline std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Aborts (a setup bug, not a finding) if the committed key set does not import.
inline std::shared_ptr<const jose::KeySet> LoadFuzzKeys() {
  auto set = jose::KeySet::FromJwks(ReadFileOrDie(JWTD_FUZZ_KEYS_FILE));
  if (!set.ok()) {
    std::fprintf(stderr, "fuzz: %s does not import: %s\n", JWTD_FUZZ_KEYS_FILE,
                 set.error().message().c_str());
    std::abort();
  }
  return std::move(set).value();
}

}  // namespace jwtd::fuzz
