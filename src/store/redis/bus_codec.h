// The two messages of the revocation bus as compact text (see jwtd/store/redis_bus.h). The key
// is last so it may hold anything but a newline-free byte limit; every number is decimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "jwtd/auth/model.h"

namespace jwtd::store::redis {

inline constexpr std::size_t kMaxMessageBytes = 1024;

struct Heartbeat {
  std::int64_t max_seq = 0;
  std::int64_t sent_at_ms = 0;
  std::string node_id;
};

using BusMessage = std::variant<auth::RevocationEntry, Heartbeat>;

std::string EncodeEntry(const auth::RevocationEntry& entry);
std::string EncodeHeartbeat(const Heartbeat& heartbeat);
// nullopt for anything malformed: unknown tag or kind, bad or negative numbers, empty key,
// too long.
std::optional<BusMessage> DecodeMessage(std::string_view text);

}  // namespace jwtd::store::redis
