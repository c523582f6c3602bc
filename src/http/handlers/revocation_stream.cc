// GET /v1/revocations/stream — the revocation feed, live, as Server-Sent Events (docs/api.md,
// docs/verifying.md): one `revocation` event per log entry in seq order, a `heartbeat` every
// feed.heartbeat_ms with the node's position, and `repage` when the follower's cursor lies before
// the node's replay window (then the stream ends: page the log, then reconnect).
//
// Each stream is one subscriber of the node's RevocationFeed and the source of its response
// (stream.h). The subscription is made here, before the head, so that "too many streams" and
// "too far behind" are answers, not broken streams; what the feed delivers before the head is
// written (the replay, the first heartbeat) is held by the stream under the same byte bound as the
// connection's buffer, and past it the follower is told to re-page rather than being sent an
// unbounded backlog (which would drop it, and its reconnect again, forever).
#include <cstdint>
#include <mutex>

#include "http/error_mapping.h"
#include "http/feed_encoding.h"
#include "http/handlers/handlers.h"
#include "http/query.h"
#include "jwtd/auth/revocation_feed.h"

namespace jwtd::http {
namespace {

class FeedStream final : public auth::FeedSubscriber, public StreamSource {
 public:
  FeedStream(auth::RevocationFeed* feed, std::size_t max_held_bytes, std::int64_t after)
      : feed_(feed), max_held_bytes_(max_held_bytes), after_(after) {}

  void SetSubscription(std::uint64_t id) {
    std::lock_guard lock(mu_);
    id_ = id;
  }
  bool overflowed() const {
    std::lock_guard lock(mu_);
    return overflowed_;
  }

  // On the feed's thread, with the feed's lock held (or within Subscribe): never blocks.
  bool Deliver(const std::string& encoded) override {
    std::lock_guard lock(mu_);
    if (stopped_ || overflowed_) return false;
    if (sink_ != nullptr) return sink_->Write(encoded);
    if (held_.size() + encoded.size() > max_held_bytes_) {
      overflowed_ = true;
      held_.clear();
      return false;
    }
    held_.append(encoded);
    return true;
  }

  void Start(std::shared_ptr<StreamSink> sink) override {
    // Read before mu_: the feed's lock is taken before mu_ (Deliver), never after.
    const std::int64_t current_seq = feed_->position().current_seq;
    std::lock_guard lock(mu_);
    if (stopped_) return;
    if (overflowed_) {
      // The feed dropped this subscriber while the head was being written.
      sink->Write(SseRepage(after_, current_seq));
      sink->End();
      return;
    }
    sink->Write(held_);
    held_.clear();
    held_.shrink_to_fit();
    sink_ = std::move(sink);
  }

  void Stopped() override {
    std::optional<std::uint64_t> id;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      sink_.reset();
      id = id_;
    }
    if (id) feed_->Unsubscribe(*id);
  }

 private:
  auth::RevocationFeed* const feed_;
  const std::size_t max_held_bytes_;
  const std::int64_t after_;  // the follower's cursor (for a repage)
  mutable std::mutex mu_;
  std::optional<std::uint64_t> id_;            // guarded by mu_
  std::shared_ptr<StreamSink> sink_;           // guarded by mu_; null until the head is written
  std::string held_;                           // guarded by mu_; deliveries before the head
  bool overflowed_ = false, stopped_ = false;  // guarded by mu_
};

// A complete event stream holding only the repage instruction.
Response RepageResponse(std::int64_t after, std::int64_t current_seq) {
  Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.body = SseRepage(after, current_seq);
  r.With("Cache-Control", "no-store");
  return r;
}

// Last-Event-ID (what an EventSource sends on reconnect) wins over ?after=.
Result<std::optional<std::int64_t>> CursorOf(const Request& request) {
  auto query = QueryParams::Parse(request.query);
  if (!query.ok()) return query.error();
  auto after = query->GetInt("after", 0, INT64_MAX);
  if (!after.ok()) return after.error();
  const auto last = request.Header("last-event-id");
  if (!last) return *after;
  const std::optional<std::int64_t> seq = ParseDecimal(TrimOws(*last), 0, INT64_MAX);
  if (!seq) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest,
                 "Last-Event-ID must be a seq: decimal digits");
  }
  return seq;
}

}  // namespace

Outcome HandleRevocationStream(const Api& api, const Request& request) {
  auto client = CheckFeedClient(api, request);
  if (auto* refused = std::get_if<Response>(&client)) return std::move(*refused);
  auto cursor = CursorOf(request);
  if (!cursor.ok()) return BadInput(cursor.error());
  auth::RevocationFeed* feed = api.deps.feed;
  if (feed == nullptr) {
    return JsonError(503, "temporarily_unavailable", "the revocation stream is not running");
  }
  const std::int64_t after = cursor->value_or(feed->position().current_seq);
  auto stream = std::make_shared<FeedStream>(feed, api.options.max_stream_buffer_bytes, after);
  auto id = feed->Subscribe(*cursor, stream);
  if (!id.ok()) {
    if (stream->overflowed() || id.error().reason() == Reason::kFeedBehind) {
      return RepageResponse(after, feed->position().current_seq);
    }
    if (id.error().code() == Code::kResourceExhausted) {
      Response busy = JsonError(503, "temporarily_unavailable",
                                "too many revocation streams on this node (feed.max_subscribers)");
      busy.With("Retry-After", "1");
      return busy;
    }
    return ErrorResponse(id.error(), Surface::kGeneral);
  }
  stream->SetSubscription(*id);
  Response head;
  head.status = 200;
  head.content_type = "text/event-stream";
  head.With("Cache-Control", "no-store");
  // nginx buffers proxied responses by default; an event must not wait for a buffer to fill.
  head.With("X-Accel-Buffering", "no");
  return Outcome::Stream(std::move(head), std::move(stream));
}

}  // namespace jwtd::http
