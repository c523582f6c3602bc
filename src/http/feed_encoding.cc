#include "http/feed_encoding.h"

#include <fmt/format.h>

#include "jwtd/jose/json_text.h"

namespace jwtd::http {

std::string_view FeedKindName(auth::RevocationKind kind) {
  switch (kind) {
    case auth::RevocationKind::kJti:
      return "jti";
    case auth::RevocationKind::kSession:
      return "session";
    case auth::RevocationKind::kUserVersion:
      return "user_version";
    case auth::RevocationKind::kKey:
      return "key";
  }
  return "unknown";
}

void AppendEntryJson(const auth::RevocationEntry& e, std::string* out) {
  fmt::format_to(std::back_inserter(*out), R"({{"seq":{},"kind":"{}","key":)", e.seq,
                 FeedKindName(e.kind));
  jose::json::AppendQuoted(e.key, out);
  fmt::format_to(std::back_inserter(*out), R"(,"value":{},"expires_at":{}}})", e.value,
                 e.expires_at);
}

std::string SseFeedEncoder::Entries(std::span<const auth::RevocationEntry> entries) const {
  std::string out;
  out.reserve(entries.size() * 128);
  for (const auth::RevocationEntry& e : entries) {
    fmt::format_to(std::back_inserter(out), "id: {}\nevent: revocation\ndata: ", e.seq);
    AppendEntryJson(e, &out);
    out.append("\n\n");
  }
  return out;
}

std::string SseFeedEncoder::Position(const auth::FeedPosition& p) const {
  return fmt::format(
      "id: {}\nevent: heartbeat\ndata: "
      R"({{"current_seq":{},"verified_at_ms":{},"server_time_ms":{}}})"
      "\n\n",
      p.current_seq, p.current_seq, p.verified_at_ms, p.server_time_ms);
}

std::string SseRepage(std::int64_t after, std::int64_t current_seq) {
  return fmt::format("event: repage\ndata: {{\"after\":{},\"current_seq\":{}}}\n\n", after,
                     current_seq);
}

}  // namespace jwtd::http
