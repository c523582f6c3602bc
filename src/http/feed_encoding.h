// The wire forms of the revocation feed (docs/api.md "Revocation feed", docs/verifying.md):
//  - an entry as JSON: {"seq":12,"kind":"session","key":"...","value":0,"expires_at":1700000900}
//    (kind: "jti", "session", "user_version", "key"; only what a verifier needs);
//  - Server-Sent Events (text/event-stream, WHATWG HTML §9.2): an entry is
//      id: <seq>\nevent: revocation\ndata: <entry JSON>\n\n
//    a position (heartbeat) is
//      id: <current_seq>\nevent: heartbeat\ndata: {"current_seq":..,"verified_at_ms":..,
//      "server_time_ms":..}\n\n
//    — its id is the follower's exact cursor, so a reconnect's Last-Event-ID resumes there —
//    and the instruction to re-page is
//      event: repage\ndata: {"after":..,"current_seq":..}\n\n
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "jwtd/auth/model.h"
#include "jwtd/auth/revocation_feed.h"

namespace jwtd::http {

std::string_view FeedKindName(auth::RevocationKind kind);
// Appends the entry's JSON object.
void AppendEntryJson(const auth::RevocationEntry& entry, std::string* out);

class SseFeedEncoder final : public auth::FeedEncoder {
 public:
  std::string Entries(std::span<const auth::RevocationEntry> entries) const override;
  std::string Position(const auth::FeedPosition& position) const override;
};

// The event that tells a follower to re-page the log from `after` and reconnect.
std::string SseRepage(std::int64_t after, std::int64_t current_seq);

}  // namespace jwtd::http
