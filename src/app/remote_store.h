// What a verifier that follows another node's feed (verifier.feed_url) has instead of a
// database: an auth::Store whose revocation log is that node's GET /v1/revocations, and nothing
// else. Its RevocationSync reads this log exactly as it reads a store's (catch-ups page it from
// the durable cursor), so the feed follower (app/feed_follower.h) is one more source of the one
// sync path, not a second view.
//
//  - ReadRevocations(after, now, limit): one page `?after=&limit=` (entries past `now` dropped).
//    A page whose current_seq is below `after` means the node serves another log (a new
//    database): kUnavailable, and the view stays stale (fail closed) until this verifier is
//    restarted on the new log (docs/verifying.md: start again from 0).
//  - MaxRevocationSeq(): the node's current_seq (a one-entry page).
//  - BusKey(): kNotFound (no bus key: the CSRF key is random, and no route needs it).
//  - Ping(): the node's GET /healthz answers 200 (so /readyz fails while the node is down).
//  - Transact, Read, the sweeps, ListAudit, Migrate: kUnavailable ("no database").
//
// Thread-safety: every method may run on any thread (each request its own connection).
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "app/feed_http.h"
#include "jwtd/auth/model.h"
#include "jwtd/auth/ports.h"

namespace jwtd::app {

// One entry of the feed's wire form ({"seq","kind","key","value","expires_at"}; http/
// feed_encoding.h); nullopt when malformed.
std::optional<auth::RevocationEntry> ParseFeedEntry(const boost::json::value& json);

// `timeout` bounds every request to the node.
std::unique_ptr<auth::Store> RemoteStore(FeedOrigin origin, std::chrono::milliseconds timeout);

}  // namespace jwtd::app
