// The Shared Signals streams on PostgreSQL (schema v4, migrations.cc). Identity ids are taken
// at insert, not at commit, so an event with a smaller id can commit after one with a larger id
// has been delivered: the watermark therefore never passes an event younger than the settle
// bound (SsfTx::Acknowledge), and above it every acknowledgement is kept by id.
#include "store/postgres/postgres_ssf.h"

#include <algorithm>

#include "jwtd/store/limits.h"
#include "store/postgres/rows.h"
#include "store/word_list.h"

namespace jwtd::store::postgres {
namespace {

using auth::SecurityEvent;
using auth::SsfStream;

#define JWTD_PG_STREAM_COLUMNS                                                                 \
  "id, client, audience, events_requested, kinds, delivery_method, endpoint_url, description," \
  " status, status_reason, acked_through, delivered, failures, last_error, created_at, updated_at"

// An event is queued for a stream when it lies above the watermark, is not acknowledged, and is
// addressed to the stream or (addressed to none) of a kind the stream delivers.
#define JWTD_PG_QUEUED                                                                            \
  " FROM security_events e WHERE e.id > (SELECT acked_through FROM ssf_streams WHERE id = "       \
  "$1::text)"                                                                                     \
  " AND (e.stream_id = $1::text OR (e.stream_id = '' AND (($2::bigint >> e.kind::int) & 1) = 1))" \
  " AND NOT EXISTS (SELECT 1 FROM ssf_acks a WHERE a.stream_id = $1::text AND a.event_id = e.id)"

constexpr Sql kInsert{"ssf_insert",
                      "INSERT INTO ssf_streams(" JWTD_PG_STREAM_COLUMNS
                      ") VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text,"
                      " $7::text, $8::text, $9::text, $10::text,"
                      " (SELECT COALESCE(MAX(id), 0) FROM security_events), 0, 0, '',"
                      " $11::bigint, $12::bigint)"};
constexpr Sql kFind{"ssf_find",
                    "SELECT " JWTD_PG_STREAM_COLUMNS " FROM ssf_streams WHERE id = $1::text"};
constexpr Sql kList{"ssf_list",
                    "SELECT " JWTD_PG_STREAM_COLUMNS " FROM ssf_streams ORDER BY created_at, id"};
constexpr Sql kUpdate{"ssf_update",
                      "UPDATE ssf_streams SET audience = $2::text, events_requested = $3::text,"
                      " kinds = $4::bigint, delivery_method = $5::text, endpoint_url = $6::text,"
                      " description = $7::text, status = $8::text, status_reason = $9::text,"
                      " updated_at = $10::bigint WHERE id = $1::text"};
constexpr Sql kDelete{"ssf_delete", "DELETE FROM ssf_streams WHERE id = $1::text"};
constexpr Sql kDeleteAcks{"ssf_delete_acks", "DELETE FROM ssf_acks WHERE stream_id = $1::text"};
constexpr Sql kDeleteVerifications{"ssf_delete_verifications",
                                   "DELETE FROM security_events WHERE stream_id = $1::text"};
constexpr Sql kSkip{"ssf_skip",
                    "UPDATE ssf_streams SET acked_through ="
                    " (SELECT COALESCE(MAX(id), 0) FROM security_events) WHERE id = $1::text"};
constexpr Sql kPending{"ssf_pending",
                       "SELECT e.id, e.kind, e.user_id, e.session_id, e.reason, e.at, e.stream_id,"
                       " e.txn" JWTD_PG_QUEUED " ORDER BY e.id LIMIT $3::bigint"};
constexpr Sql kBacklog{"ssf_backlog",
                       "SELECT COUNT(*)::bigint, COALESCE(MIN(e.at), 0)::bigint" JWTD_PG_QUEUED};
constexpr Sql kAck{"ssf_ack",
                   "INSERT INTO ssf_acks(stream_id, event_id) SELECT $1::text, $2::bigint"
                   " WHERE $2::bigint > (SELECT acked_through FROM ssf_streams WHERE id = $1::text)"
                   " AND EXISTS (SELECT 1 FROM security_events WHERE id = $2::bigint)"
                   " ON CONFLICT DO NOTHING"};
constexpr Sql kCountDelivered{
    "ssf_count_delivered",
    "UPDATE ssf_streams SET delivered = delivered + $2::bigint WHERE id = $1::text"};
// The new watermark: just below the oldest event still queued, but never past an event that is
// not yet settled (a transaction with a smaller id might still commit below it).
constexpr Sql kOldestQueued{"ssf_oldest_queued",
                            "SELECT COALESCE(MIN(e.id), -1)::bigint" JWTD_PG_QUEUED};
constexpr Sql kSettledMax{
    "ssf_settled_max",
    "SELECT COALESCE(MAX(id), 0)::bigint FROM security_events WHERE at < $1::bigint"};
constexpr Sql kMaxAck{
    "ssf_max_ack",
    "SELECT COALESCE(MAX(event_id), 0)::bigint FROM ssf_acks WHERE stream_id = $1::text"};
constexpr Sql kRaise{"ssf_raise",
                     "UPDATE ssf_streams SET acked_through = GREATEST(acked_through, $2::bigint)"
                     " WHERE id = $1::text"};
constexpr Sql kDropAcksBelow{
    "ssf_drop_acks_below",
    "DELETE FROM ssf_acks WHERE stream_id = $1::text"
    " AND event_id <= (SELECT acked_through FROM ssf_streams WHERE id = $1::text)"};
constexpr Sql kFailure{"ssf_failure",
                       "UPDATE ssf_streams SET failures = failures + 1, last_error = $2::text"
                       " WHERE id = $1::text"};

SsfStream ReadStream(const Row& r) {
  SsfStream out;
  out.id = r.Text(0);
  out.client = r.Text(1);
  out.audience = r.Text(2);
  out.events_requested = SplitWords(r.Text(3));
  out.kinds = static_cast<std::uint32_t>(r.Int(4));
  out.delivery_method = r.Text(5);
  out.endpoint_url = r.Text(6);
  out.description = r.Text(7);
  out.status = r.Text(8);
  out.status_reason = r.Text(9);
  out.acked_through = r.Int(10);
  out.delivered = r.Int(11);
  out.failures = r.Int(12);
  out.last_error = r.Text(13);
  out.created_at = r.Int(14);
  out.updated_at = r.Int(15);
  return out;
}

SecurityEvent ReadEvent(const Row& r) {
  SecurityEvent e;
  e.id = r.Int(0);
  e.kind = static_cast<auth::SecurityEventKind>(r.Int(1));
  e.user_id = r.Int(2);
  e.session_id = r.Text(3);
  e.reason = r.Text(4);
  e.at = r.Int(5);
  e.stream_id = r.Text(6);
  e.txn = r.Text(7);
  return e;
}

class PostgresSsf final : public auth::SsfTx {
 public:
  explicit PostgresSsf(Connection& conn) : conn_(conn) {}

  Result<void> InsertStream(const SsfStream& st) override {
    return Void(Run(kInsert, Params()
                                 .Text(st.id)
                                 .Text(st.client)
                                 .Text(st.audience)
                                 .Text(JoinWords(st.events_requested))
                                 .Int(st.kinds)
                                 .Text(st.delivery_method)
                                 .Text(st.endpoint_url)
                                 .Text(st.description)
                                 .Text(st.status)
                                 .Text(st.status_reason)
                                 .Int(st.created_at)
                                 .Int(st.updated_at)));
  }

  Result<std::optional<SsfStream>> FindStream(std::string_view id) override {
    auto rows = Many<SsfStream>(kFind, Params().Text(id), ReadStream);
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<SsfStream>();
    return std::optional<SsfStream>(std::move(rows->front()));
  }

  Result<std::vector<SsfStream>> ListStreams() override {
    return Many<SsfStream>(kList, Params(), ReadStream);
  }

  Result<void> UpdateStream(const SsfStream& st) override {
    auto changed = Run(kUpdate, Params()
                                    .Text(st.id)
                                    .Text(st.audience)
                                    .Text(JoinWords(st.events_requested))
                                    .Int(st.kinds)
                                    .Text(st.delivery_method)
                                    .Text(st.endpoint_url)
                                    .Text(st.description)
                                    .Text(st.status)
                                    .Text(st.status_reason)
                                    .Int(st.updated_at));
    if (!changed.ok()) return changed.error();
    if (*changed == 0) return Error(Code::kNotFound, Reason::kNotFound, "no such stream");
    return Ok();
  }

  Result<bool> DeleteStream(std::string_view id) override {
    auto deleted = Run(kDelete, Params().Text(id));
    if (!deleted.ok()) return deleted.error();
    JWTD_RETURN_IF_ERROR(Run(kDeleteAcks, Params().Text(id)));
    JWTD_RETURN_IF_ERROR(Run(kDeleteVerifications, Params().Text(id)));
    return *deleted > 0;
  }

  Result<void> SkipBacklog(std::string_view id) override {
    JWTD_RETURN_IF_ERROR(Run(kSkip, Params().Text(id)));
    return Void(Run(kDeleteAcks, Params().Text(id)));
  }

  Result<std::vector<SecurityEvent>> Pending(const SsfStream& st, std::size_t limit) override {
    const auto n = static_cast<std::int64_t>(std::min(limit, kMaxRowsPerRead));
    return Many<SecurityEvent>(kPending, Params().Text(st.id).Int(st.kinds).Int(n), ReadEvent);
  }

  Result<auth::SsfBacklog> Backlog(const SsfStream& st) override {
    auto rows =
        Many<auth::SsfBacklog>(kBacklog, Params().Text(st.id).Int(st.kinds), [](const Row& r) {
          return auth::SsfBacklog{r.Int(0), r.Int(1)};
        });
    if (!rows.ok()) return rows.error();
    return rows->empty() ? auth::SsfBacklog{} : rows->front();
  }

  Result<std::int64_t> Acknowledge(std::string_view stream_id, const std::vector<std::int64_t>& ids,
                                   std::int64_t settled_before) override {
    auto found = FindStream(stream_id);
    if (!found.ok()) return found.error();
    if (!found->has_value()) return Error(Code::kNotFound, Reason::kNotFound, "no such stream");
    const std::uint32_t kinds = (*found)->kinds;
    std::int64_t acked = 0;
    for (std::int64_t id : ids) {
      auto n = Run(kAck, Params().Text(stream_id).Int(id));
      if (!n.ok()) return n.error();
      acked += *n;
    }
    if (acked > 0) {
      JWTD_RETURN_IF_ERROR(Run(kCountDelivered, Params().Text(stream_id).Int(acked)));
    }
    auto oldest = Value(kOldestQueued, Params().Text(stream_id).Int(kinds));
    if (!oldest.ok()) return oldest.error();
    auto settled = Value(kSettledMax, Params().Int(settled_before));
    if (!settled.ok()) return settled.error();
    std::int64_t mark = *settled;
    if (*oldest >= 0) {
      mark = std::min(mark, *oldest - 1);
    } else {
      auto max_ack = Value(kMaxAck, Params().Text(stream_id));
      if (!max_ack.ok()) return max_ack.error();
      mark = std::min(mark, *max_ack);
    }
    JWTD_RETURN_IF_ERROR(Run(kRaise, Params().Text(stream_id).Int(mark)));
    JWTD_RETURN_IF_ERROR(Run(kDropAcksBelow, Params().Text(stream_id)));
    return acked;
  }

  Result<void> RecordFailure(std::string_view stream_id, std::string_view error) override {
    return Void(Run(kFailure, Params().Text(stream_id).Text(error)));
  }

 private:
  static Result<void> Void(const Result<std::int64_t>& changed) {
    if (!changed.ok()) return changed.error();
    return Ok();
  }

  // Runs a write and returns the rows it changed.
  Result<std::int64_t> Run(const Sql& sql, const Params& params) {
    Result<Rows> rows = conn_.Query(sql, params);
    if (!rows.ok()) return rows.error();
    return rows->affected();
  }

  Result<std::int64_t> Value(const Sql& sql, const Params& params) {
    auto rows = Many<std::int64_t>(sql, params, [](const Row& r) { return r.Int(0); });
    if (!rows.ok()) return rows.error();
    return rows->empty() ? 0 : rows->front();
  }

  template <typename T, typename Read>
  Result<std::vector<T>> Many(const Sql& sql, const Params& params, Read read) {
    return QueryRows<T>(conn_, sql, params, read);
  }

  Connection& conn_;
};

}  // namespace

std::unique_ptr<auth::SsfTx> NewPostgresSsf(Connection& conn) {
  return std::make_unique<PostgresSsf>(conn);
}

}  // namespace jwtd::store::postgres
