// keys.json, the manifest of the key directory: one record per key (kid, alg, state and the
// times of its life, include/jwtd/auth/key_ring.h). Internal to src/store/keyfiles; pure.
//
//   {"version":1,"keys":[{"kid":"...","alg":"ES256","state":"active","created_at":0,
//                         "activates_at":0,"retires_at":0,"removes_at":0}, ...]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/key_ring.h"
#include "jwtd/result.h"

namespace jwtd::store::keyfiles {

inline constexpr std::string_view kManifestName = "keys.json";

std::string EncodeManifest(const std::vector<auth::KeyInfo>& keys);

// kInvalidArgument (kBadJson) naming what is wrong: bad JSON, an unknown version, alg or
// state, a missing or mistyped member, an unsafe kid, a duplicate kid or two active keys.
Result<std::vector<auth::KeyInfo>> DecodeManifest(std::string_view json);

// A kid usable as a file name: 1-128 characters of [A-Za-z0-9_-] (the base64url alphabet of
// RFC 7638 thumbprints and random kids).
bool IsSafeKid(std::string_view kid);

}  // namespace jwtd::store::keyfiles
