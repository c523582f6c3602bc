#include "store/redis/bus_codec.h"

#include <charconv>

namespace jwtd::store::redis {
namespace {

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

}  // namespace

std::string EncodeEntry(const auth::RevocationEntry& entry) {
  std::string out = "E ";
  for (std::int64_t n : {entry.seq, static_cast<std::int64_t>(entry.kind), entry.value,
                         entry.expires_at, entry.created_at}) {
    out += std::to_string(n);
    out += ' ';
  }
  out += entry.key;
  return out;
}

std::string EncodeHeartbeat(const Heartbeat& heartbeat) {
  std::string out = "H ";
  out += std::to_string(heartbeat.max_seq);
  out += ' ';
  out += std::to_string(heartbeat.sent_at_ms);
  out += ' ';
  out += heartbeat.node_id;
  return out;
}

std::optional<BusMessage> DecodeMessage(std::string_view text) {
  if (text.size() > kMaxMessageBytes || text.size() < 2 || text[1] != ' ') return std::nullopt;
  const char tag = text[0];
  text.remove_prefix(2);
  if (tag == 'E') return DecodeEntry(text);
  if (tag == 'H') return DecodeHeartbeat(text);
  return std::nullopt;
}

}  // namespace jwtd::store::redis
