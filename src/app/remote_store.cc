#include "app/remote_store.h"

#include <boost/json/parse.hpp>
#include <string>
#include <utility>
#include <vector>

namespace jwtd::app {
namespace {

constexpr std::size_t kMaxPageBytes = 16 * 1024 * 1024;  // 10,000 entries of ~300 bytes, with room
constexpr std::size_t kMaxFeedLimit = 10'000;            // api.md: limit 1-10,000

Error NoDatabase() {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable,
               "this verifier has no database (it follows verifier.feed_url)");
}

Error BadAnswer(std::string what) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, "feed node: " + std::move(what));
}

std::optional<std::int64_t> Int(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

struct Page {
  std::vector<auth::RevocationEntry> entries;
  std::int64_t current_seq = 0;
};

class RemoteLog final : public auth::RevocationLog {
 public:
  RemoteLog(FeedOrigin origin, std::chrono::milliseconds timeout)
      : origin_(std::move(origin)), timeout_(timeout) {}

  Result<std::vector<auth::RevocationEntry>> ReadRevocations(std::int64_t after_seq,
                                                             std::int64_t now,
                                                             std::size_t limit) override {
    auto page = Fetch(after_seq, std::min(std::max<std::size_t>(limit, 1), kMaxFeedLimit));
    if (!page.ok()) return page.error();
    if (page->current_seq < after_seq) {
      return BadAnswer("its log's current_seq " + std::to_string(page->current_seq) +
                       " is below this verifier's cursor " + std::to_string(after_seq) +
                       ": it serves another log; restart this verifier to follow it from 0");
    }
    // Not filtered by `now`: a page shortened here would read as the log's end to the sync,
    // which would then skip what follows. The view drops expired entries itself.
    (void)now;
    return std::move(page->entries);
  }

  Result<std::int64_t> MaxRevocationSeq() override {
    auto page = Fetch(0, 1);
    if (!page.ok()) return page.error();
    return page->current_seq;
  }

  Result<std::string> BusKey() override {
    return Error(Code::kNotFound, Reason::kNotFound, "a feed-following verifier has no bus key");
  }

  Result<void> Ping() {
    auto answer = HttpGet(origin_, "/healthz", timeout_, 4096);
    if (!answer.ok()) return answer.error();
    if (answer->status != 200)
      return BadAnswer("GET /healthz answered " + std::to_string(answer->status));
    return Ok();
  }

 private:
  Result<Page> Fetch(std::int64_t after, std::size_t limit) {
    auto answer = HttpGet(
        origin_,
        "/v1/revocations?after=" + std::to_string(after) + "&limit=" + std::to_string(limit),
        timeout_, kMaxPageBytes);
    if (!answer.ok()) return answer.error();
    if (answer->status != 200) {
      // 401/403: this verifier is not (or no longer) a feed client there: say so, no secret.
      return BadAnswer("GET /v1/revocations answered " + std::to_string(answer->status) +
                       (answer->status == 401 || answer->status == 403
                            ? " (check verifier.feed_client against its feed.clients/feed.allow)"
                            : ""));
    }
    boost::system::error_code ec;
    const boost::json::value json = boost::json::parse(answer->body, ec);
    if (ec || !json.is_object()) return BadAnswer("a revocation page that is not JSON");
    const auto& o = json.as_object();
    const auto current = Int(o, "current_seq");
    const auto* entries = o.if_contains("entries");
    if (!current || entries == nullptr || !entries->is_array()) {
      return BadAnswer("a revocation page without current_seq or entries");
    }
    Page page;
    page.current_seq = *current;
    for (const auto& v : entries->as_array()) {
      auto entry = ParseFeedEntry(v);
      if (!entry || entry->seq <= after) return BadAnswer("a malformed or out-of-order entry");
      after = entry->seq;
      page.entries.push_back(std::move(*entry));
    }
    return page;
  }

  const FeedOrigin origin_;
  const std::chrono::milliseconds timeout_;
};

class NoDatabaseStore final : public auth::Store {
 public:
  NoDatabaseStore(FeedOrigin origin, std::chrono::milliseconds timeout)
      : log_(std::move(origin), timeout) {}

  Result<void> Transact(const std::function<Result<void>(auth::StoreTx&)>&) override {
    return NoDatabase();
  }
  Result<void> Read(const std::function<Result<void>(auth::StoreReadTx&)>&) override {
    return NoDatabase();
  }
  auth::RevocationLog& revocation_log() override { return log_; }
  Result<std::int64_t> SweepExpired(std::int64_t, std::int64_t) override { return NoDatabase(); }
  Result<std::int64_t> ForgetSealedSuccessors(std::int64_t) override { return NoDatabase(); }
  Result<std::int64_t> SweepAudit(std::int64_t) override { return NoDatabase(); }
  Result<std::int64_t> SweepDeliveredEvents(std::int64_t) override { return NoDatabase(); }
  Result<std::vector<auth::AuditEvent>> ListAudit(const auth::AuditFilter&) override {
    return NoDatabase();
  }
  Result<void> Ping() override { return log_.Ping(); }
  Result<int> Migrate() override { return NoDatabase(); }

 private:
  RemoteLog log_;
};

}  // namespace

std::optional<auth::RevocationEntry> ParseFeedEntry(const boost::json::value& json) {
  if (!json.is_object()) return std::nullopt;
  const auto& o = json.as_object();
  const auto seq = Int(o, "seq");
  const auto value = Int(o, "value");
  const auto expires_at = Int(o, "expires_at");
  const auto* kind = o.if_contains("kind");
  const auto* key = o.if_contains("key");
  if (!seq || *seq <= 0 || !value || !expires_at || kind == nullptr || !kind->is_string() ||
      key == nullptr || !key->is_string() || key->as_string().empty()) {
    return std::nullopt;
  }
  auth::RevocationEntry e;
  const std::string_view k = kind->as_string();
  if (k == "jti") {
    e.kind = auth::RevocationKind::kJti;
  } else if (k == "session") {
    e.kind = auth::RevocationKind::kSession;
  } else if (k == "user_version") {
    e.kind = auth::RevocationKind::kUserVersion;
  } else if (k == "key") {
    e.kind = auth::RevocationKind::kKey;
  } else {
    return std::nullopt;
  }
  e.seq = *seq;
  e.key = std::string(key->as_string());
  e.value = *value;
  e.expires_at = *expires_at;
  return e;
}

std::unique_ptr<auth::Store> RemoteStore(FeedOrigin origin, std::chrono::milliseconds timeout) {
  return std::make_unique<NoDatabaseStore>(std::move(origin), timeout);
}

}  // namespace jwtd::app
