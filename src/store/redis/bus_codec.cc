#include "store/redis/bus_codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>

namespace jwtd::store::redis {
namespace {

constexpr std::size_t kMacBytes = 32;
constexpr std::size_t kMacHexChars = 2 * kMacBytes;
// Domain separation: a bus MAC is never valid for anything else keyed the same way.
constexpr std::string_view kMacContext = "jwtd-bus-v1\n";

using Mac = std::array<unsigned char, kMacBytes>;

// HMAC-SHA256 (RFC 2104) of the context and the body. False only if OpenSSL fails.
bool ComputeMac(std::string_view key, std::string_view body, Mac* out) {
  std::string input;
  input.reserve(kMacContext.size() + body.size());
  input.append(kMacContext).append(body);
  unsigned int len = 0;
  const unsigned char* mac =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), out->data(), &len);
  return mac != nullptr && len == kMacBytes;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ParseMac(std::string_view hex, Mac* out) {
  if (hex.size() != kMacHexChars) return false;
  for (std::size_t i = 0; i < kMacBytes; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

// Splits off the next space-separated field.
std::string_view NextField(std::string_view* rest) {
  const std::size_t space = rest->find(' ');
  std::string_view field = rest->substr(0, space);
  rest->remove_prefix(space == std::string_view::npos ? rest->size() : space + 1);
  return field;
}

bool ParseNumber(std::string_view field, std::int64_t* out) {
  if (field.empty() || (field.size() > 1 && field[0] == '0')) return false;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), *out);
  return ec == std::errc() && end == field.data() + field.size() && *out >= 0;
}

bool KnownKind(std::int64_t kind) {
  return kind >= static_cast<std::int64_t>(auth::RevocationKind::kJti) &&
         kind <= static_cast<std::int64_t>(auth::RevocationKind::kKey);
}

std::optional<BusMessage> DecodeEntry(std::string_view rest) {
  std::int64_t seq = 0, kind = 0, value = 0, expires_at = 0, created_at = 0;
  if (!ParseNumber(NextField(&rest), &seq) || seq == 0) return std::nullopt;
  if (!ParseNumber(NextField(&rest), &kind) || !KnownKind(kind)) return std::nullopt;
  if (!ParseNumber(NextField(&rest), &value)) return std::nullopt;
  if (!ParseNumber(NextField(&rest), &expires_at)) return std::nullopt;
  if (!ParseNumber(NextField(&rest), &created_at)) return std::nullopt;
  if (rest.empty()) return std::nullopt;
  auth::RevocationEntry entry;
  entry.seq = seq;
  entry.kind = static_cast<auth::RevocationKind>(kind);
  entry.value = value;
  entry.expires_at = expires_at;
  entry.created_at = created_at;
  entry.key = std::string(rest);
  return BusMessage(std::move(entry));
}

std::optional<BusMessage> DecodeHeartbeat(std::string_view rest) {
  Heartbeat hb;
  if (!ParseNumber(NextField(&rest), &hb.max_seq)) return std::nullopt;
  if (!ParseNumber(NextField(&rest), &hb.sent_at_ms)) return std::nullopt;
  if (rest.empty() || rest.find(' ') != std::string_view::npos) return std::nullopt;
  hb.node_id = std::string(rest);
  return BusMessage(std::move(hb));
}

std::optional<BusMessage> DecodeBody(std::string_view text) {
  if (text.size() < 2 || text[1] != ' ') return std::nullopt;
  const char tag = text[0];
  text.remove_prefix(2);
  if (tag == 'E') return DecodeEntry(text);
  if (tag == 'H') return DecodeHeartbeat(text);
  return std::nullopt;
}

}  // namespace

std::string Seal(std::string_view body, std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  Mac mac{};
  std::string out;
  if (key.empty() || !ComputeMac(key, body, &mac)) return out;  // nothing verifies it
  out.reserve(kMacHexChars + 1 + body.size());
  for (unsigned char b : mac) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  out += ' ';
  out += body;
  return out;
}

std::string EntryBody(const auth::RevocationEntry& entry) {
  std::string body = "E ";
  for (std::int64_t n : {entry.seq, static_cast<std::int64_t>(entry.kind), entry.value,
                         entry.expires_at, entry.created_at}) {
    body += std::to_string(n);
    body += ' ';
  }
  body += entry.key;
  return body;
}

std::string HeartbeatBody(const Heartbeat& heartbeat) {
  std::string body = "H ";
  body += std::to_string(heartbeat.max_seq);
  body += ' ';
  body += std::to_string(heartbeat.sent_at_ms);
  body += ' ';
  body += heartbeat.node_id;
  return body;
}

std::string EncodeEntry(const auth::RevocationEntry& entry, std::string_view key) {
  return Seal(EntryBody(entry), key);
}

std::string EncodeHeartbeat(const Heartbeat& heartbeat, std::string_view key) {
  return Seal(HeartbeatBody(heartbeat), key);
}

Decoded DecodeMessage(std::string_view text, std::string_view key) {
  Decoded out;
  out.status = DecodeStatus::kUnauthenticated;
  Mac claimed{}, expected{};
  if (key.empty() || text.size() > kMaxMessageBytes || text.size() <= kMacHexChars ||
      text[kMacHexChars] != ' ' || !ParseMac(text.substr(0, kMacHexChars), &claimed)) {
    return out;
  }
  const std::string_view body = text.substr(kMacHexChars + 1);
  // Constant-time comparison: timing must not reveal how much of a guessed MAC is right.
  if (!ComputeMac(key, body, &expected) ||
      CRYPTO_memcmp(claimed.data(), expected.data(), kMacBytes) != 0) {
    return out;
  }
  out.message = DecodeBody(body);
  out.status = out.message ? DecodeStatus::kOk : DecodeStatus::kMalformed;
  return out;
}

}  // namespace jwtd::store::redis
