// GET /v1/revocations?after=SEQ&limit=N — a page of the revocation log for feed clients
// (docs/api.md "Revocation feed", docs/verifying.md): the entries with seq > after that are still
// live, in seq order, and the cursor to continue from. after=0 pages through every live entry, so
// a follower that starts or restarts rebuilds an exact view, then follows from `next` (here or on
// the stream).
//
// Exactness: current_seq is read before the page, so when a page is not full every entry up to
// current_seq has been returned or has expired, and `next` (= max(after, current_seq)) skips no
// live entry; a full page continues from its last seq. A current_seq below the follower's own
// cursor means the log is not the one it followed (a new database): start again from 0.
#include <fmt/format.h>

#include <algorithm>

#include "http/error_mapping.h"
#include "http/feed_encoding.h"
#include "http/handlers/handlers.h"
#include "http/query.h"
#include "jwtd/auth/ports.h"

namespace jwtd::http {
namespace {

constexpr std::int64_t kDefaultLimit = 1000;
constexpr std::int64_t kMaxLimit = 10'000;  // store/limits.h: one read returns at most this

std::string PageJson(const std::vector<auth::RevocationEntry>& entries, std::int64_t next,
                     std::int64_t current_seq, bool complete, std::int64_t now_ms) {
  std::string out;
  out.reserve(64 + entries.size() * 110);
  out.append(R"({"entries":[)");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendEntryJson(entries[i], &out);
  }
  fmt::format_to(std::back_inserter(out),
                 R"(],"next":{},"current_seq":{},"complete":{},"server_time":{},)"
                 R"("server_time_ms":{}}})",
                 next, current_seq, complete ? "true" : "false", now_ms / 1000, now_ms);
  return out;
}

}  // namespace

Outcome HandleRevocationPage(const Api& api, const Request& request) {
  auto client = CheckFeedClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  auto query = QueryParams::Parse(request.query);
  if (!query.ok()) return BadInput(query.error());
  auto after = query->GetInt("after", 0, INT64_MAX);
  if (!after.ok()) return BadInput(after.error());
  auto limit = query->GetInt("limit", 1, kMaxLimit);
  if (!limit.ok()) return BadInput(limit.error());
  return Outcome::Later([&api, after = after->value_or(0), limit = limit->value_or(kDefaultLimit)] {
    // Up to the forget horizon, as every reader of the log (jwtd/clock.h): a clock stepped ahead
    // must not hide entries a step back would need again.
    static const ForgetHorizon horizon(api.deps.clock);
    auth::RevocationLog& log = api.deps.store->revocation_log();
    auto current = log.MaxRevocationSeq();
    if (!current.ok()) return ErrorResponse(current.error(), Surface::kGeneral);
    auto page = log.ReadRevocations(after, horizon.NowSeconds(), static_cast<std::size_t>(limit));
    if (!page.ok()) return ErrorResponse(page.error(), Surface::kGeneral);
    const bool complete = static_cast<std::int64_t>(page->size()) < limit;
    const std::int64_t last = page->empty() ? after : page->back().seq;
    const std::int64_t next = complete ? std::max({after, *current, last}) : last;
    // The log's own position, never the follower's cursor: a current_seq below `after` is how a
    // follower learns the log is not the one it followed. (An entry committed between the two
    // reads may lie past *current: the page's last seq counts too.)
    const std::int64_t current_seq = page->empty() ? *current : std::max(*current, last);
    // Milliseconds from the feed's clock when this node runs one (the stream's heartbeats use it),
    // else the wall clock's seconds.
    const std::int64_t now_ms = api.deps.feed != nullptr ? api.deps.feed->position().server_time_ms
                                                         : api.deps.clock->NowSeconds() * 1000;
    Response r = JsonResponse(200, PageJson(*page, next, current_seq, complete, now_ms));
    r.With("Cache-Control", "no-store");
    return r;
  });
}

}  // namespace jwtd::http
