// The two messages of the revocation bus as compact text (see jwtd/store/redis_bus.h), each
// authenticated with HMAC-SHA256 under the deployment's bus key:
//   "<mac> <body>"   mac: 64 lowercase hex digits of HMAC-SHA256(key, "jwtd-bus-v1\n" body)
// The body's key field is last so it may hold anything but a newline-free byte limit; every
// number is decimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "jwtd/auth/model.h"

namespace jwtd::store::redis {

inline constexpr std::size_t kMaxMessageBytes = 1024;
// A bus key shorter than this is refused (RFC 2104 §3: at least the hash output length).
inline constexpr std::size_t kMinBusKeyBytes = 32;

struct Heartbeat {
  std::int64_t max_seq = 0;
  std::int64_t sent_at_ms = 0;
  std::string node_id;
};

using BusMessage = std::variant<auth::RevocationEntry, Heartbeat>;

enum class DecodeStatus : std::uint8_t {
  kOk = 0,
  kUnauthenticated = 1,  // no MAC, or a MAC that does not verify under the key
  kMalformed = 2,        // authentic, but the body does not parse
};

struct Decoded {
  DecodeStatus status = DecodeStatus::kMalformed;
  std::optional<BusMessage> message;  // set when status == kOk
};

// "<mac> <body>" for any body (the encoders below use it; tests seal malformed bodies with it).
// Empty when the key is empty: nothing could verify it.
std::string Seal(std::string_view body, std::string_view key);
// The bodies alone (the publisher seals them off the caller's thread).
std::string EntryBody(const auth::RevocationEntry& entry);
std::string HeartbeatBody(const Heartbeat& heartbeat);
std::string EncodeEntry(const auth::RevocationEntry& entry, std::string_view key);
std::string EncodeHeartbeat(const Heartbeat& heartbeat, std::string_view key);
// The MAC is checked first (in constant time), so nothing of an unauthenticated message is
// parsed. Malformed: unknown tag or kind, bad or negative numbers, empty key, too long.
Decoded DecodeMessage(std::string_view text, std::string_view key);

}  // namespace jwtd::store::redis
