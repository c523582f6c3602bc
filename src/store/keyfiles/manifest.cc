#include "store/keyfiles/manifest.h"

#include <boost/json.hpp>
#include <set>

namespace jwtd::store::keyfiles {
namespace {

constexpr std::int64_t kVersion = 1;
constexpr auth::KeyState kStates[] = {auth::KeyState::kNext, auth::KeyState::kActive,
                                      auth::KeyState::kRetiring, auth::KeyState::kRevoked};

Error Corrupt(std::string_view what) {
  return Error(Code::kInvalidArgument, Reason::kBadJson,
               std::string(kManifestName) + ": corrupt manifest: " + std::string(what));
}

bool GetInt(const boost::json::object& o, std::string_view name, std::int64_t* out) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_int64()) return false;
  *out = v->get_int64();
  return true;
}

bool GetString(const boost::json::object& o, std::string_view name, std::string_view* out) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return false;
  *out = v->get_string();
  return true;
}

Result<auth::KeyInfo> DecodeRecord(const boost::json::value& v) {
  if (!v.is_object()) return Corrupt("a key record is not an object");
  const auto& o = v.get_object();
  auth::KeyInfo info;
  std::string_view kid, alg, state;
  if (!GetString(o, "kid", &kid) || !IsSafeKid(kid)) return Corrupt("bad or missing kid");
  info.kid = std::string(kid);
  if (!GetString(o, "alg", &alg)) return Corrupt("missing alg for kid " + info.kid);
  const auto parsed = jose::ParseAlg(alg);
  if (!parsed) return Corrupt("unknown alg for kid " + info.kid);
  info.alg = *parsed;
  if (!GetString(o, "state", &state)) return Corrupt("missing state for kid " + info.kid);
  bool known = false;
  for (auth::KeyState s : kStates) {
    if (auth::KeyStateName(s) == state) {
      info.state = s;
      known = true;
    }
  }
  if (!known) return Corrupt("unknown state for kid " + info.kid);
  if (!GetInt(o, "created_at", &info.created_at) ||
      !GetInt(o, "activates_at", &info.activates_at) ||
      !GetInt(o, "retires_at", &info.retires_at) || !GetInt(o, "removes_at", &info.removes_at)) {
    return Corrupt("missing or non-integer time for kid " + info.kid);
  }
  return info;
}

}  // namespace

bool IsSafeKid(std::string_view kid) {
  if (kid.empty() || kid.size() > 128) return false;
  for (char c : kid) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string EncodeManifest(const std::vector<auth::KeyInfo>& keys) {
  boost::json::array list;
  for (const auto& k : keys) {
    list.push_back(boost::json::object{{"kid", k.kid},
                                       {"alg", jose::AlgName(k.alg)},
                                       {"state", auth::KeyStateName(k.state)},
                                       {"created_at", k.created_at},
                                       {"activates_at", k.activates_at},
                                       {"retires_at", k.retires_at},
                                       {"removes_at", k.removes_at}});
  }
  boost::json::object root{{"version", kVersion}, {"keys", std::move(list)}};
  return boost::json::serialize(root) + "\n";
}

Result<std::vector<auth::KeyInfo>> DecodeManifest(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(json, ec);
  if (ec) return Corrupt("not valid JSON");
  if (!root.is_object()) return Corrupt("not a JSON object");
  std::int64_t version = 0;
  if (!GetInt(root.get_object(), "version", &version) || version != kVersion) {
    return Corrupt("missing or unsupported version");
  }
  const auto* keys = root.get_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return Corrupt("\"keys\" is not an array");
  std::vector<auth::KeyInfo> out;
  std::set<std::string, std::less<>> kids;
  int active = 0;
  for (const auto& v : keys->get_array()) {
    auto info = DecodeRecord(v);
    if (!info.ok()) return info.error();
    if (!kids.insert(info->kid).second) return Corrupt("duplicate kid " + info->kid);
    if (info->state == auth::KeyState::kActive && ++active > 1) return Corrupt("two active keys");
    out.push_back(std::move(*info));
  }
  return out;
}

}  // namespace jwtd::store::keyfiles
