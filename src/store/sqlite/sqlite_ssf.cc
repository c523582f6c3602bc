// The Shared Signals streams on SQLite (schema v4, migrations.cc). SQLite's single writer commits
// in id order, so the settle bound of Acknowledge is only needed on PostgreSQL; it is applied
// here too so both stores behave alike.
#include "store/sqlite/sqlite_ssf.h"

#include <algorithm>

#include "jwtd/store/limits.h"
#include "store/sqlite/rows.h"
#include "store/word_list.h"

namespace jwtd::store::sqlite {
namespace {

using auth::SecurityEvent;
using auth::SsfStream;

#define JWTD_SQLITE_STREAM_COLUMNS                                                             \
  "id, client, audience, events_requested, kinds, delivery_method, endpoint_url, description," \
  " status, status_reason, acked_through, delivered, failures, last_error, created_at, updated_at"

// An event is queued for a stream when it lies above the watermark, is not acknowledged, and is
// addressed to the stream or (addressed to none) of a kind the stream delivers.
#define JWTD_SQLITE_QUEUED                                                                     \
  " FROM security_events e WHERE e.id > (SELECT acked_through FROM ssf_streams WHERE id = ?1)" \
  " AND (e.stream_id = ?1 OR (e.stream_id = '' AND ((?2 >> e.kind) & 1) = 1))"                 \
  " AND NOT EXISTS (SELECT 1 FROM ssf_acks a WHERE a.stream_id = ?1 AND a.event_id = e.id)"

constexpr std::string_view kInsert =
    "INSERT INTO ssf_streams(" JWTD_SQLITE_STREAM_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
    " (SELECT COALESCE(MAX(id), 0) FROM security_events), 0, 0, '', ?11, ?12)";
constexpr std::string_view kFind =
    "SELECT " JWTD_SQLITE_STREAM_COLUMNS " FROM ssf_streams WHERE id = ?1";
constexpr std::string_view kList =
    "SELECT " JWTD_SQLITE_STREAM_COLUMNS " FROM ssf_streams ORDER BY created_at, id";
constexpr std::string_view kUpdate =
    "UPDATE ssf_streams SET audience = ?2, events_requested = ?3, kinds = ?4,"
    " delivery_method = ?5, endpoint_url = ?6, description = ?7, status = ?8,"
    " status_reason = ?9, updated_at = ?10 WHERE id = ?1";
constexpr std::string_view kDelete = "DELETE FROM ssf_streams WHERE id = ?1";
constexpr std::string_view kDeleteAcks = "DELETE FROM ssf_acks WHERE stream_id = ?1";
constexpr std::string_view kDeleteVerifications =
    "DELETE FROM security_events WHERE stream_id = ?1";
constexpr std::string_view kSkip =
    "UPDATE ssf_streams SET acked_through = (SELECT COALESCE(MAX(id), 0) FROM security_events)"
    " WHERE id = ?1";
constexpr std::string_view kPending =
    "SELECT e.id, e.kind, e.user_id, e.session_id, e.reason, e.at, e.stream_id, "
    "e.txn" JWTD_SQLITE_QUEUED " ORDER BY e.id LIMIT ?3";
constexpr std::string_view kBacklog = "SELECT COUNT(*), COALESCE(MIN(e.at), 0)" JWTD_SQLITE_QUEUED;
constexpr std::string_view kAck =
    "INSERT OR IGNORE INTO ssf_acks(stream_id, event_id) SELECT ?1, ?2"
    " WHERE ?2 > (SELECT acked_through FROM ssf_streams WHERE id = ?1)"
    " AND EXISTS (SELECT 1 FROM security_events WHERE id = ?2)";
constexpr std::string_view kCountDelivered =
    "UPDATE ssf_streams SET delivered = delivered + ?2 WHERE id = ?1";
// The new watermark: just below the oldest event still queued, but never past an event that is
// not yet settled (a transaction with a smaller id might still commit below it).
constexpr std::string_view kOldestQueued = "SELECT COALESCE(MIN(e.id), -1)" JWTD_SQLITE_QUEUED;
constexpr std::string_view kSettledMax =
    "SELECT COALESCE(MAX(id), 0) FROM security_events WHERE at < ?1";
constexpr std::string_view kMaxAck =
    "SELECT COALESCE(MAX(event_id), 0) FROM ssf_acks WHERE stream_id = ?1";
constexpr std::string_view kRaise =
    "UPDATE ssf_streams SET acked_through = MAX(acked_through, ?2) WHERE id = ?1";
constexpr std::string_view kDropAcksBelow =
    "DELETE FROM ssf_acks WHERE stream_id = ?1"
    " AND event_id <= (SELECT acked_through FROM ssf_streams WHERE id = ?1)";
constexpr std::string_view kFailure =
    "UPDATE ssf_streams SET failures = failures + 1, last_error = ?2 WHERE id = ?1";

Result<void> Void(const Result<std::int64_t>& changed) {
  if (!changed.ok()) return changed.error();
  return Ok();
}

SsfStream ReadStream(const Stmt& s) {
  SsfStream out;
  out.id = s.Text(0);
  out.client = s.Text(1);
  out.audience = s.Text(2);
  out.events_requested = SplitWords(s.Text(3));
  out.kinds = static_cast<std::uint32_t>(s.Int(4));
  out.delivery_method = s.Text(5);
  out.endpoint_url = s.Text(6);
  out.description = s.Text(7);
  out.status = s.Text(8);
  out.status_reason = s.Text(9);
  out.acked_through = s.Int(10);
  out.delivered = s.Int(11);
  out.failures = s.Int(12);
  out.last_error = s.Text(13);
  out.created_at = s.Int(14);
  out.updated_at = s.Int(15);
  return out;
}

SecurityEvent ReadEvent(const Stmt& s) {
  SecurityEvent e;
  e.id = s.Int(0);
  e.kind = static_cast<auth::SecurityEventKind>(s.Int(1));
  e.user_id = s.Int(2);
  e.session_id = s.Text(3);
  e.reason = s.Text(4);
  e.at = s.Int(5);
  e.stream_id = s.Text(6);
  e.txn = s.Text(7);
  return e;
}

class SqliteSsf final : public auth::SsfTx {
 public:
  explicit SqliteSsf(Connection& conn) : conn_(conn) {}

  Result<void> InsertStream(const SsfStream& st) override {
    return Void(Run(kInsert, [&](Stmt& s) {
      s.BindText(1, st.id)
          .BindText(2, st.client)
          .BindText(3, st.audience)
          .BindText(4, JoinWords(st.events_requested))
          .Bind(5, st.kinds)
          .BindText(6, st.delivery_method)
          .BindText(7, st.endpoint_url)
          .BindText(8, st.description)
          .BindText(9, st.status)
          .BindText(10, st.status_reason)
          .Bind(11, st.created_at)
          .Bind(12, st.updated_at);
    }));
  }

  Result<std::optional<SsfStream>> FindStream(std::string_view id) override {
    auto rows = Many<SsfStream>(kFind, ReadStream, [&](Stmt& s) { s.BindText(1, id); });
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<SsfStream>();
    return std::optional<SsfStream>(std::move(rows->front()));
  }

  Result<std::vector<SsfStream>> ListStreams() override {
    return Many<SsfStream>(kList, ReadStream, [](Stmt&) {});
  }

  Result<void> UpdateStream(const SsfStream& st) override {
    auto changed = Run(kUpdate, [&](Stmt& s) {
      s.BindText(1, st.id)
          .BindText(2, st.audience)
          .BindText(3, JoinWords(st.events_requested))
          .Bind(4, st.kinds)
          .BindText(5, st.delivery_method)
          .BindText(6, st.endpoint_url)
          .BindText(7, st.description)
          .BindText(8, st.status)
          .BindText(9, st.status_reason)
          .Bind(10, st.updated_at);
    });
    if (!changed.ok()) return changed.error();
    if (*changed == 0) return Error(Code::kNotFound, Reason::kNotFound, "no such stream");
    return Ok();
  }

  Result<bool> DeleteStream(std::string_view id) override {
    auto bind = [&](Stmt& s) { s.BindText(1, id); };
    auto deleted = Run(kDelete, bind);
    if (!deleted.ok()) return deleted.error();
    JWTD_RETURN_IF_ERROR(Run(kDeleteAcks, bind));
    JWTD_RETURN_IF_ERROR(Run(kDeleteVerifications, bind));
    return *deleted > 0;
  }

  Result<void> SkipBacklog(std::string_view id) override {
    auto bind = [&](Stmt& s) { s.BindText(1, id); };
    JWTD_RETURN_IF_ERROR(Run(kSkip, bind));
    return Void(Run(kDeleteAcks, bind));
  }

  Result<std::vector<SecurityEvent>> Pending(const SsfStream& st, std::size_t limit) override {
    const auto n = static_cast<std::int64_t>(std::min(limit, kMaxRowsPerRead));
    return Many<SecurityEvent>(kPending, ReadEvent,
                               [&](Stmt& s) { s.BindText(1, st.id).Bind(2, st.kinds).Bind(3, n); });
  }

  Result<auth::SsfBacklog> Backlog(const SsfStream& st) override {
    auto rows = Many<auth::SsfBacklog>(
        kBacklog,
        [](const Stmt& s) {
          return auth::SsfBacklog{s.Int(0), s.Int(1)};
        },
        [&](Stmt& s) { s.BindText(1, st.id).Bind(2, st.kinds); });
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
      auto n = Run(kAck, [&](Stmt& s) { s.BindText(1, stream_id).Bind(2, id); });
      if (!n.ok()) return n.error();
      acked += *n;
    }
    if (acked > 0) {
      JWTD_RETURN_IF_ERROR(
          Run(kCountDelivered, [&](Stmt& s) { s.BindText(1, stream_id).Bind(2, acked); }));
    }
    auto oldest = Value(kOldestQueued, [&](Stmt& s) { s.BindText(1, stream_id).Bind(2, kinds); });
    if (!oldest.ok()) return oldest.error();
    auto settled = Value(kSettledMax, [&](Stmt& s) { s.Bind(1, settled_before); });
    if (!settled.ok()) return settled.error();
    std::int64_t mark = *settled;
    if (*oldest >= 0) {
      mark = std::min(mark, *oldest - 1);
    } else {
      auto max_ack = Value(kMaxAck, [&](Stmt& s) { s.BindText(1, stream_id); });
      if (!max_ack.ok()) return max_ack.error();
      mark = std::min(mark, *max_ack);
    }
    JWTD_RETURN_IF_ERROR(Run(kRaise, [&](Stmt& s) { s.BindText(1, stream_id).Bind(2, mark); }));
    JWTD_RETURN_IF_ERROR(Run(kDropAcksBelow, [&](Stmt& s) { s.BindText(1, stream_id); }));
    return acked;
  }

  Result<void> RecordFailure(std::string_view stream_id, std::string_view error) override {
    return Void(Run(kFailure, [&](Stmt& s) { s.BindText(1, stream_id).BindText(2, error); }));
  }

 private:
  // Runs a write and returns the rows it changed.
  template <typename BindFn>
  Result<std::int64_t> Run(std::string_view sql, BindFn bind) {
    Result<Stmt> stmt = conn_.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    bind(*stmt);
    JWTD_RETURN_IF_ERROR(stmt->Run());
    return stmt->Changes();
  }

  template <typename BindFn>
  Result<std::int64_t> Value(std::string_view sql, BindFn bind) {
    auto rows = Many<std::int64_t>(
        sql, [](const Stmt& s) { return s.Int(0); }, bind);
    if (!rows.ok()) return rows.error();
    return rows->empty() ? 0 : rows->front();
  }

  template <typename T, typename Read, typename BindFn>
  Result<std::vector<T>> Many(std::string_view sql, Read read, BindFn bind) {
    return QueryRows<T>(conn_, sql, read, bind);
  }

  Connection& conn_;
};

}  // namespace

std::unique_ptr<auth::SsfTx> NewSqliteSsf(Connection& conn) {
  return std::make_unique<SqliteSsf>(conn);
}

}  // namespace jwtd::store::sqlite
