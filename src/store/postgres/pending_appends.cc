#include "store/postgres/pending_appends.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "store/postgres/array_literal.h"

namespace jwtd::store::postgres {
namespace {

// Each queue in one statement; the arrays go as text literals cast to their types, so one
// prepared statement serves any number of rows. ORDINALITY keeps the queue's order.
//
// The log: the counter moves by n (its row locked until COMMIT) and the entries take the n seqs
// below its new value.
constexpr Sql kAppendRevocations{
    "append_revocations",
    "WITH next AS (UPDATE revocation_counter SET seq = seq + $1::bigint RETURNING seq),"
    " added AS (INSERT INTO revocations(seq, kind, key, value, expires_at, created_at)"
    " SELECT next.seq - $1::bigint + e.ord, e.kind, e.key, e.value, e.expires_at, e.created_at"
    " FROM next, unnest($2::text::smallint[], $3::text::text[], $4::text::bigint[],"
    " $5::text::bigint[], $6::text::bigint[])"
    " WITH ORDINALITY AS e(kind, key, value, expires_at, created_at, ord))"
    " SELECT seq FROM next"};
constexpr Sql kAppendAudits{
    "append_audits",
    "INSERT INTO audit(at, event, reason, user_id, session_id, client_ip, detail)"
    " SELECT a.at, a.event, a.reason, a.user_id, a.session_id, a.client_ip, a.detail"
    " FROM unnest($1::text::bigint[], $2::text::text[], $3::text::text[], $4::text::bigint[],"
    " $5::text::text[], $6::text::text[], $7::text::text[])"
    " WITH ORDINALITY AS a(at, event, reason, user_id, session_id, client_ip, detail, ord)"
    " ORDER BY a.ord"};
constexpr Sql kAppendSecurityEvents{
    "append_security_events",
    "INSERT INTO security_events(kind, user_id, session_id, reason, at, stream_id, txn)"
    " SELECT e.kind, e.user_id, e.session_id, e.reason, e.at, e.stream_id, e.txn"
    " FROM unnest($1::text::smallint[], $2::text::bigint[], $3::text::text[], $4::text::text[],"
    " $5::text::bigint[], $6::text::text[], $7::text::text[])"
    " WITH ORDINALITY AS e(kind, user_id, session_id, reason, at, stream_id, txn, ord)"
    " ORDER BY e.ord"};

// What the INSERT would answer for text it cannot store (SQLSTATE 22021).
Result<void> Storable(std::initializer_list<std::string_view> texts, std::string_view what) {
  for (std::string_view text : texts) {
    if (!StorableText(text)) return PgError("22021", what);
  }
  return Ok();
}

}  // namespace

Result<void> PendingAppends::AddRevocation(Connection& conn, const auth::RevocationEntry& entry,
                                           std::int64_t* seq) {
  JWTD_RETURN_IF_ERROR(Storable({entry.key}, "append_revocation"));
  revocations_.push_back({entry, seq});
  return WriteIfLarge(conn);
}

Result<void> PendingAppends::AddAudit(Connection& conn, const auth::AuditEvent& e) {
  JWTD_RETURN_IF_ERROR(
      Storable({e.event, e.reason, e.session_id, e.client_ip, e.detail}, "append_audit"));
  audit_.push_back(e);
  return WriteIfLarge(conn);
}

Result<void> PendingAppends::AddSecurityEvent(Connection& conn, const auth::SecurityEvent& e) {
  JWTD_RETURN_IF_ERROR(
      Storable({e.session_id, e.reason, e.stream_id, e.txn}, "append_security_event"));
  events_.push_back(e);
  return WriteIfLarge(conn);
}

Result<void> PendingAppends::Flush(Connection& conn) { return Write(conn, 0, 0, 0); }

void PendingAppends::BeginBody() {
  body_revocations_ = revocations_.size();
  body_audit_ = audit_.size();
  body_events_ = events_.size();
}

void PendingAppends::AbandonBody() {
  revocations_.resize(body_revocations_);
  audit_.resize(body_audit_);
  events_.resize(body_events_);
}

void PendingAppends::Clear() {
  revocations_.clear();
  audit_.clear();
  events_.clear();
  BeginBody();
}

Result<void> PendingAppends::WriteIfLarge(Connection& conn) {
  const std::size_t body = (revocations_.size() - body_revocations_) +
                           (audit_.size() - body_audit_) + (events_.size() - body_events_);
  if (body < kFlushEvery) return Ok();
  return Write(conn, body_revocations_, body_audit_, body_events_);
}

Result<void> PendingAppends::Write(Connection& conn, std::size_t revocations_from,
                                   std::size_t audit_from, std::size_t events_from) {
  if (audit_.size() > audit_from) {
    ArrayLiteral at, event, reason, user, session, ip, detail;
    for (std::size_t i = audit_from; i < audit_.size(); ++i) {
      const auth::AuditEvent& e = audit_[i];
      at.Int(e.at);
      event.Text(e.event);
      reason.Text(e.reason);
      user.OptInt(e.user_id);
      session.Text(e.session_id);
      ip.Text(e.client_ip);
      detail.Text(e.detail);
    }
    Params params;
    params.Text(std::move(at).Done())
        .Text(std::move(event).Done())
        .Text(std::move(reason).Done())
        .Text(std::move(user).Done())
        .Text(std::move(session).Done())
        .Text(std::move(ip).Done())
        .Text(std::move(detail).Done());
    JWTD_RETURN_IF_ERROR(conn.Query(kAppendAudits, params));
    audit_.resize(audit_from);
  }
  if (events_.size() > events_from) {
    ArrayLiteral kind, user, session, reason, at, stream, txn;
    for (std::size_t i = events_from; i < events_.size(); ++i) {
      const auth::SecurityEvent& e = events_[i];
      kind.Int(static_cast<std::int64_t>(e.kind));
      user.Int(e.user_id);
      session.Text(e.session_id);
      reason.Text(e.reason);
      at.Int(e.at);
      stream.Text(e.stream_id);
      txn.Text(e.txn);
    }
    Params params;
    params.Text(std::move(kind).Done())
        .Text(std::move(user).Done())
        .Text(std::move(session).Done())
        .Text(std::move(reason).Done())
        .Text(std::move(at).Done())
        .Text(std::move(stream).Done())
        .Text(std::move(txn).Done());
    JWTD_RETURN_IF_ERROR(conn.Query(kAppendSecurityEvents, params));
    events_.resize(events_from);
  }
  if (revocations_.size() > revocations_from) {
    const std::size_t n = revocations_.size() - revocations_from;
    ArrayLiteral kinds, keys, values, expiries, created;
    for (std::size_t i = revocations_from; i < revocations_.size(); ++i) {
      const auth::RevocationEntry& e = revocations_[i].entry;
      kinds.Int(static_cast<std::int64_t>(e.kind));
      keys.Text(e.key);
      values.Int(e.value);
      expiries.Int(e.expires_at);
      created.Int(e.created_at);
    }
    Params params;
    params.Int(static_cast<std::int64_t>(n))
        .Text(std::move(kinds).Done())
        .Text(std::move(keys).Done())
        .Text(std::move(values).Done())
        .Text(std::move(expiries).Done())
        .Text(std::move(created).Done());
    Result<Rows> rows = conn.Query(kAppendRevocations, params);
    if (!rows.ok()) return rows.error();
    if (rows->size() != 1) return Error(Code::kInternal, Reason::kInternal, "append revocations");
    std::int64_t seq = (*rows)[0].Int(0) - static_cast<std::int64_t>(n);
    for (std::size_t i = revocations_from; i < revocations_.size(); ++i) {
      *revocations_[i].seq = ++seq;
    }
    revocations_.resize(revocations_from);
  }
  return Ok();
}

}  // namespace jwtd::store::postgres
