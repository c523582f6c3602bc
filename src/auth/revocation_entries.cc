#include "revocation_entries.h"

#include <string>

namespace jwtd::auth {
namespace {

RevocationEntry Entry(RevocationKind kind, std::string key, std::int64_t value, std::int64_t until,
                      std::int64_t now) {
  RevocationEntry entry;
  entry.kind = kind;
  entry.key = std::move(key);
  entry.value = value;
  entry.expires_at = until;
  entry.created_at = now;
  return entry;
}

}  // namespace

RevocationEntry JtiDenial(std::string_view jti, std::int64_t until, std::int64_t now) {
  return Entry(RevocationKind::kJti, std::string(jti), 0, until, now);
}

RevocationEntry SessionDenial(std::string_view sid, std::int64_t until, std::int64_t now) {
  return Entry(RevocationKind::kSession, std::string(sid), 0, until, now);
}

RevocationEntry VersionFloor(std::int64_t user_id, std::int64_t min_version, std::int64_t until,
                             std::int64_t now) {
  return Entry(RevocationKind::kUserVersion, std::to_string(user_id), min_version, until, now);
}

RevocationEntry KeyDenial(std::string_view kid, std::int64_t until, std::int64_t now) {
  return Entry(RevocationKind::kKey, std::string(kid), 0, until, now);
}

}  // namespace jwtd::auth
