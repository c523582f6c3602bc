// jwtd::auth::RevocationFeed — the revocation log, delivered as it grows to any number of
// followers (the SSE stream of GET /v1/revocations/stream: resource servers and SDKs that keep
// their own revocation view).
//
// One reader per node: the feed's thread reads the durable log after its own gap-free cursor
// (RevocationLog; the same reasoning as RevocationSync: the cursor moves only past seqs read from
// the store, expired holes included), every heartbeat interval and at once when woken (a local
// commit, an entry from the bus). What it reads it delivers, in seq order, to every subscriber,
// and keeps the most recent `replay_entries` entries so a follower that reconnects with its
// cursor is replayed what it missed. A follower whose cursor lies before that window must re-page
// the log (GET /v1/revocations) instead: it is never sent an unbounded backlog.
//
// Every heartbeat interval each subscriber gets a FeedPosition: "every entry with seq <=
// current_seq has been delivered to you, as read from the store at verified_at_ms". A follower that
// has applied up to current_seq is exactly as current as that read: its staleness is now minus
// verified_at_ms, which it bounds itself (docs/verifying.md).
//
// Encoding: the wire form of a batch (or a heartbeat) is made once by the FeedEncoder and shared
// by every subscriber, so a thousand followers cost one encoding per batch.
//
// Thread-safety: all methods are thread-safe. Subscribers are called on the feed's thread (or on
// the subscribing thread for the replay), with the feed's lock held: they must not block and
// must not call back into the feed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "jwtd/auth/model.h"
#include "jwtd/clock.h"
#include "jwtd/result.h"

namespace jwtd::auth {

class RevocationLog;

struct FeedPosition {
  std::int64_t current_seq = 0;     // every entry with seq <= this has been delivered
  std::int64_t verified_at_ms = 0;  // Unix ms of the log read that established it
  // Unix ms when this position was sent: server_time_ms - verified_at_ms is the feed's own lag,
  // so a follower bounds its staleness with its monotonic clock alone (no clock agreement).
  std::int64_t server_time_ms = 0;
};

// Makes the wire form of what subscribers receive. Implementations must be thread-safe.
class FeedEncoder {
 public:
  virtual ~FeedEncoder() = default;
  virtual std::string Entries(std::span<const RevocationEntry> entries) const = 0;
  virtual std::string Position(const FeedPosition& position) const = 0;
};

class FeedSubscriber {
 public:
  virtual ~FeedSubscriber() = default;
  // `encoded` is the FeedEncoder's form of entries with seq > this subscriber's cursor, in
  // order. False: the subscriber is gone (or overflowed) and is dropped.
  virtual bool Deliver(const std::string& encoded) = 0;
};

struct RevocationFeedOptions {
  std::int64_t heartbeat_ms = 100;
  std::size_t replay_entries = 100'000;
  std::size_t max_subscribers = 2000;
  std::size_t page_size = 1000;  // entries per read of the log
};

struct FeedStats {
  std::size_t subscribers = 0;
  std::size_t replay_entries = 0;  // held in memory now
  std::int64_t replay_from = 0;    // a cursor >= this can resume
  FeedPosition position;
  std::uint64_t delivered_batches = 0;
  std::uint64_t dropped = 0;  // subscribers dropped because they refused a delivery
  std::uint64_t read_failures = 0;
};

class RevocationFeed {
 public:
  virtual ~RevocationFeed() = default;

  // `log`, `encoder` and `clock` must outlive the feed. kInvalidArgument for bad options.
  static Result<std::unique_ptr<RevocationFeed>> Create(RevocationFeedOptions options,
                                                        RevocationLog* log,
                                                        const FeedEncoder* encoder,
                                                        const Clock* clock);

  // Loads the replay window from the log and starts the thread. kUnavailable if the log cannot
  // be read (the caller may retry). Idempotent once started.
  virtual Result<void> Start() = 0;
  // Stops the thread; subscribers stay registered but get nothing more.
  virtual void Stop() = 0;
  // New entries may be in the log: read it now rather than at the next heartbeat.
  virtual void Wake() = 0;

  // Follows from `after` (nullopt: from the feed's current position): the entries after it that
  // the replay window holds are delivered at once, then everything new, then positions every
  // heartbeat. Returns the subscription's id. Errors: kAborted/kFeedBehind when `after` lies
  // before the replay window (re-page the log first); kResourceExhausted when max_subscribers
  // are open; kUnavailable before Start().
  virtual Result<std::uint64_t> Subscribe(std::optional<std::int64_t> after,
                                          std::shared_ptr<FeedSubscriber> subscriber) = 0;
  // Ends a subscription; nothing more is delivered to it after the feed's next step (a
  // delivery already running may still reach it). Safe to call from inside Deliver.
  virtual void Unsubscribe(std::uint64_t id) = 0;

  virtual FeedPosition position() const = 0;
  virtual FeedStats stats() const = 0;
};

}  // namespace jwtd::auth
