// The Shared Signals Framework (SSF 1.0) transmitter's storage port: the receivers' streams and
// what each has been delivered. Streams read the security-event outbox (security_events, see
// SecurityEvent); a stream is done with an event once it is acknowledged (a poll ack or a 202 to
// a push), and never sees it again; an event not yet acknowledged is delivered again.
//
// Progress is kept as a watermark plus a set: every event with id <= acked_through is done, and
// ssf_acks holds the ids above it that are done. The watermark only moves past events old
// enough that no transaction with a smaller id can still commit (PostgreSQL assigns identity
// ids before commit, so ids need not commit in order); see Acknowledge.
//
// Thread-safety: an SsfTx belongs to the StoreTx/StoreReadTx it came from. On a read-only
// snapshot (Store::Read) only the reads (Find*, List*, Pending, Backlog) may be called.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtd/auth/model.h"
#include "jwtd/result.h"

namespace jwtd::auth {

struct SsfStream {
  std::string id;        // stream_id: 128 random bits, base64url
  std::string client;    // the feed client that owns it (a receiver sees only its own)
  std::string audience;  // the aud claim of its SETs
  std::vector<std::string> events_requested;  // event-type URIs, as the receiver asked
  std::uint32_t kinds = 0;      // bit (1 << SecurityEventKind) for every kind it delivers
  std::string delivery_method;  // urn:ietf:rfc:8935 (push) or urn:ietf:rfc:8936 (poll)
  std::string endpoint_url;     // push: where SETs are POSTed; poll: empty
  std::string description;
  std::string status = "enabled";  // enabled | paused | disabled
  std::string status_reason;
  std::int64_t acked_through = 0;  // every event with id <= this is done for the stream
  std::int64_t delivered = 0;      // SETs acknowledged so far
  std::int64_t failures = 0;       // push attempts that failed so far
  std::string last_error;          // the last push failure (no secrets: status or socket error)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

// What a stream still has to deliver.
struct SsfBacklog {
  std::int64_t queued = 0;     // events not yet acknowledged
  std::int64_t oldest_at = 0;  // `at` of the oldest of them; 0: none
};

class SsfTx {
 public:
  virtual ~SsfTx() = default;

  // Inserts a new stream; it delivers the events appended after it (acked_through is set to the
  // outbox's last id here). kAlreadyExists for a taken id.
  virtual Result<void> InsertStream(const SsfStream& stream) = 0;
  virtual Result<std::optional<SsfStream>> FindStream(std::string_view id) = 0;
  // Every stream, oldest first (callers filter by client).
  virtual Result<std::vector<SsfStream>> ListStreams() = 0;
  // Writes the receiver-settable and status columns (audience, events, kinds, delivery,
  // description, status, status_reason, updated_at). kNotFound for an unknown id.
  virtual Result<void> UpdateStream(const SsfStream& stream) = 0;
  // Deletes the stream, its acknowledgements and its verification events; false if unknown.
  virtual Result<bool> DeleteStream(std::string_view id) = 0;
  // Drops everything queued for the stream (a disabled stream drops its events, SSF §8.1.2).
  virtual Result<void> SkipBacklog(std::string_view id) = 0;

  // The stream's events not yet acknowledged, in id order, at most `limit`.
  virtual Result<std::vector<SecurityEvent>> Pending(const SsfStream& stream,
                                                     std::size_t limit) = 0;
  virtual Result<SsfBacklog> Backlog(const SsfStream& stream) = 0;
  // Marks `ids` done for the stream (ids not queued for it are ignored) and moves the watermark
  // over what is done and older than `settled_before` (Unix seconds). Returns how many ids were
  // newly acknowledged (counted in `delivered`).
  virtual Result<std::int64_t> Acknowledge(std::string_view stream_id,
                                           const std::vector<std::int64_t>& ids,
                                           std::int64_t settled_before) = 0;
  // Counts one failed push attempt and keeps its error.
  virtual Result<void> RecordFailure(std::string_view stream_id, std::string_view error) = 0;
};

}  // namespace jwtd::auth
