// The PostgreSQL Store: a bounded connection pool, READ COMMITTED transactions with row locks,
// bounded retries on conflicts. Contract: include/jwtd/store/postgres_store.h.
#include "jwtd/store/postgres_store.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "jwtd/random.h"
#include "store/postgres/commit_count.h"
#include "store/postgres/connection.h"
#include "store/postgres/group_commit.h"
#include "store/postgres/migrations.h"
#include "store/postgres/pool.h"
#include "store/postgres/postgres_tx.h"
#include "store/postgres/rows.h"

namespace jwtd::store {
namespace {

using postgres::Connection;
using postgres::Params;
using postgres::Row;
using postgres::Rows;
using postgres::Sql;

constexpr int kMaxAttempts = 5;  // of a transaction that met a serialization failure/deadlock
constexpr std::chrono::milliseconds kPingWait{1000};

constexpr Sql kReadRevocations{
    "read_revocations",
    "SELECT " JWTD_PG_REVOCATION_COLUMNS
    " FROM revocations WHERE seq > $1::bigint AND expires_at > $2::bigint ORDER BY seq"
    " LIMIT $3::bigint"};
constexpr Sql kMaxSeq{"max_seq", "SELECT seq FROM revocation_counter"};
constexpr Sql kAudit{"list_audit", "SELECT " JWTD_PG_AUDIT_COLUMNS
                                   " FROM audit WHERE ($1::bigint IS NULL OR user_id = $1::bigint)"
                                   " AND ($2::text = '' OR event = $2::text) AND at >= $3::bigint"
                                   " ORDER BY at DESC, id DESC LIMIT $4::bigint"};
constexpr Sql kPing{"ping", "SELECT 1"};
constexpr Sql kBusKey{"bus_key", "SELECT key FROM bus_key WHERE id = 1"};

// A session is dead once revoked, idle-expired or absolutely expired before $1 (the cutoff).
#define JWTD_PG_SESSION_DEAD                                                      \
  "(revoked_at != 0 AND revoked_at < $1::bigint) OR idle_expires_at < $1::bigint" \
  " OR (absolute_expires_at != 0 AND absolute_expires_at < $1::bigint)"
constexpr Sql kSweepRevocations{"sweep_revocations",
                                "DELETE FROM revocations WHERE expires_at <= $1::bigint"};
constexpr Sql kSweepRefreshes{"sweep_refreshes",
                              "DELETE FROM refresh_tokens WHERE session_id IN"
                              " (SELECT id FROM sessions WHERE " JWTD_PG_SESSION_DEAD ")"};
// Rotated rows stay for reuse detection (sqlite_store.h); only their sealed successor goes
// (refresh_tokens_sealed index). ForgetSealedSuccessors, and SweepExpired as a backstop.
constexpr Sql kForgetSuccessors{"forget_successors",
                                "UPDATE refresh_tokens SET sealed_successor = NULL"
                                " WHERE state = 1 AND rotated_at < $1::bigint"
                                " AND sealed_successor IS NOT NULL"};
constexpr Sql kSweepSessions{"sweep_sessions", "DELETE FROM sessions WHERE " JWTD_PG_SESSION_DEAD};
// Audit rows go oldest first by audit_by_time(at, id), at most kAuditSweepSlice per slice and
// transaction: the row locks, WAL and replication lag of a large backlog come in bounded pieces,
// and no row that stays is read. Only ids up to the highest seen at the start (ids are never
// reused): each full slice deletes rows of that fixed set, so the loop ends. A node sweeping at
// the same time waits for one slice's locks, then finds those rows gone.
constexpr Sql kMaxAuditId{"max_audit_id", "SELECT COALESCE(MAX(id), 0) FROM audit"};
constexpr Sql kSweepAudit{"sweep_audit",
                          "DELETE FROM audit WHERE id IN (SELECT id FROM audit"
                          " WHERE at < $1::bigint AND id <= $2::bigint ORDER BY at, id"
                          " LIMIT $3::bigint)"};

// Outbox rows every stream is done with, oldest first by id, in slices like the audit's.
constexpr Sql kMaxEventId{"max_event_id", "SELECT COALESCE(MAX(id), 0) FROM security_events"};
constexpr Sql kSweepEvents{"sweep_events",
                           "DELETE FROM security_events WHERE id IN (SELECT id FROM"
                           " security_events WHERE at < $1::bigint AND id <= LEAST($2::bigint,"
                           " COALESCE((SELECT MIN(acked_through) FROM ssf_streams"
                           " WHERE status <> 'disabled'), $2::bigint)) ORDER BY id"
                           " LIMIT $3::bigint)"};

std::int64_t Clamp(std::size_t n) {
  return static_cast<std::int64_t>(std::min(n, kMaxRowsPerRead));
}

// Sleeps a random 1..(10 * 2^attempt) ms, so colliding transactions do not collide again.
void Backoff(int attempt) {
  std::array<std::uint8_t, 2> r{};
  RandomBytes(r);
  const int cap = 10 << std::min(attempt, 4);
  const int ms = 1 + ((r[0] << 8) | r[1]) % cap;
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

class PostgresStore final : public auth::Store, public auth::RevocationLog {
 public:
  PostgresStore(const PostgresOptions& options, const Clock* clock)
      : clock_(clock),
        wait_(std::max(options.statement_timeout_ms, options.connect_timeout_s * 1000)),
        pool_({options.url, options.connect_timeout_s, options.statement_timeout_ms,
               options.read_only},
              options.pool_size),
        committer_({WriteLanes(options), options.write_batch},
                   [this](const std::function<Result<void>(Connection&)>& batch) {
                     return Write(batch);
                   }) {}

  // Through the group commit (group_commit.h): fn's revocations share one log append and one
  // WAL flush with the other callers' of its batch.
  Result<void> Transact(const std::function<Result<void>(auth::StoreTx&)>& fn) override {
    return committer_.Run([&fn](Connection& conn, postgres::PendingAppends& pending) {
      auto tx = postgres::NewPostgresTx(conn, &pending);
      return fn(*tx);
    });
  }

  // A READ ONLY transaction on a pooled connection (READ COMMITTED: each statement sees the
  // latest commit; the flows that read change nothing, so none needs more).
  Result<void> Read(const std::function<Result<void>(auth::StoreReadTx&)>& fn) override {
    return Write([&fn](Connection& conn) -> Result<void> {
      JWTD_RETURN_IF_ERROR(conn.Exec("SET TRANSACTION READ ONLY", "read only"));
      auto tx = postgres::NewPostgresReadTx(conn);
      return fn(*tx);
    });
  }

  auth::RevocationLog& revocation_log() override { return *this; }

  std::int64_t commits() const { return committer_.commits(); }

  Result<std::vector<auth::RevocationEntry>> ReadRevocations(std::int64_t after_seq,
                                                             std::int64_t now,
                                                             std::size_t limit) override {
    return Read(kReadRevocations, Params().Int(after_seq).Int(now).Int(Clamp(limit)),
                postgres::ReadRevocation);
  }

  Result<std::int64_t> MaxRevocationSeq() override {
    auto seqs = Read(kMaxSeq, Params(), [](const Row& row) { return row.Int(0); });
    if (!seqs.ok()) return seqs.error();
    if (seqs->size() != 1) return Error(Code::kInternal, Reason::kInternal, "revocation counter");
    return seqs->front();
  }

  Result<std::int64_t> SweepExpired(std::int64_t now, std::int64_t retain_seconds) override {
    std::int64_t deleted = 0;
    const std::int64_t cutoff = now - retain_seconds;
    auto sweep = [&](Connection& conn) -> Result<void> {
      deleted = 0;  // a retried attempt starts over
      for (auto [sql, bound, counted] :
           {std::tuple{&kSweepRevocations, now, true}, std::tuple{&kSweepRefreshes, cutoff, true},
            std::tuple{&kSweepSessions, cutoff, true},
            std::tuple{&kForgetSuccessors, cutoff, false}}) {
        Result<Rows> rows = conn.Query(*sql, Params().Int(bound));
        if (!rows.ok()) return rows.error();
        if (counted) deleted += rows->affected();
      }
      return Ok();
    };
    JWTD_RETURN_IF_ERROR(Write(sweep));
    return deleted;
  }

  Result<std::int64_t> ForgetSealedSuccessors(std::int64_t rotated_before) override {
    std::int64_t cleared = 0;
    auto forget = [&](Connection& conn) -> Result<void> {
      Result<Rows> rows = conn.Query(kForgetSuccessors, Params().Int(rotated_before));
      if (!rows.ok()) return rows.error();
      cleared = rows->affected();
      return Ok();
    };
    JWTD_RETURN_IF_ERROR(Write(forget));
    return cleared;
  }

  Result<std::int64_t> SweepAudit(std::int64_t before) override {
    return DeleteInSlices(kMaxAuditId, kSweepAudit, before, kAuditSweepSlice);
  }

  Result<std::int64_t> SweepDeliveredEvents(std::int64_t before) override {
    return DeleteInSlices(kMaxEventId, kSweepEvents, before, kEventSweepSlice);
  }

  Result<std::string> BusKey() override {
    auto keys = Read(kBusKey, Params(), [](const Row& row) { return row.Text(0); });
    if (!keys.ok()) return keys.error();
    if (keys->size() != 1) return Error(Code::kNotFound, Reason::kInternal, "postgres: no bus key");
    return keys->front();
  }

  Result<std::vector<auth::AuditEvent>> ListAudit(const auth::AuditFilter& filter) override {
    return Read(kAudit,
                Params()
                    .OptInt(filter.user_id)
                    .Text(filter.event)
                    .Int(filter.since)
                    .Int(Clamp(filter.limit)),
                postgres::ReadAudit);
  }

  // SELECT 1; waits at most kPingWait for a pooled connection, so /readyz answers quickly
  // while every connection is busy.
  Result<void> Ping() override {
    auto one = Read(
        kPing, Params(), [](const Row& row) { return row.Int(0); }, kPingWait);
    if (!one.ok()) return one.error();
    return Ok();
  }

  Result<int> Migrate() override {
    Result<int> version = Error(Code::kInternal, Reason::kInternal, "migrate");
    JWTD_RETURN_IF_ERROR(Write([&](Connection& conn) -> Result<void> {
      version = postgres::ApplyMigrations(conn, clock_->NowSeconds());
      if (!version.ok()) return version.error();
      return Ok();
    }));
    return version;
  }

 private:
  // Runs `sweep` ($1 before, $2 the highest id at the start, $3 the slice) in write
  // transactions of at most `slice` rows until one deletes fewer. Only ids up to the highest
  // read first (ids are never reused): every full slice deletes rows of that fixed set, so the
  // loop ends. A node sweeping at the same time waits for one slice's locks, then finds those
  // rows gone.
  Result<std::int64_t> DeleteInSlices(const Sql& max_id, const Sql& sweep, std::int64_t before,
                                      std::int64_t slice) {
    auto last = Read(max_id, Params(), [](const Row& row) { return row.Int(0); });
    if (!last.ok()) return last.error();
    if (last->size() != 1) return Error(Code::kInternal, Reason::kInternal, "max id");
    std::int64_t deleted = 0;
    for (;;) {
      std::int64_t in_slice = 0;
      auto run = [&](Connection& conn) -> Result<void> {
        Result<Rows> rows = conn.Query(sweep, Params().Int(before).Int(last->front()).Int(slice));
        if (!rows.ok()) return rows.error();
        in_slice = rows->affected();
        return Ok();
      };
      JWTD_RETURN_IF_ERROR(Write(run));
      deleted += in_slice;
      if (in_slice < slice) return deleted;
    }
  }

  // A read on a pooled connection, retried once if that connection turned out to be lost.
  template <typename Reader>
  auto Read(const Sql& sql, const Params& params, Reader read,
            std::chrono::milliseconds wait = std::chrono::milliseconds::zero())
      -> Result<std::vector<decltype(read(std::declval<const Row&>()))>> {
    std::vector<decltype(read(std::declval<const Row&>()))> out;
    for (int attempt = 1;; ++attempt) {
      auto lease = pool_.Acquire(wait.count() > 0 ? wait : wait_);
      if (!lease.ok()) return lease.error();
      Result<Rows> rows = (*lease)->Query(sql, params);
      if (rows.ok()) {
        for (int i = 0; i < rows->size(); ++i) out.push_back(read((*rows)[i]));
        return out;
      }
      if (!(*lease)->broken() || attempt == 2) return rows.error();
    }
  }

  // One transaction around `body`, committed if it returns ok: retried with back-off on
  // conflicts. A stale pooled connection found at BEGIN (nothing sent yet) is replaced without
  // counting an attempt; a connection lost later is not retried (a COMMIT may have landed).
  Result<void> Write(const std::function<Result<void>(Connection&)>& body) {
    std::size_t stale = 0;
    for (int attempt = 1;;) {
      auto lease = pool_.Acquire(wait_);
      if (!lease.ok()) return lease.error();
      Connection& conn = **lease;
      Result<void> begun = conn.Begin();
      if (!begun.ok()) {
        if (conn.broken() && stale++ < pool_.max_size()) continue;
        return begun;
      }
      Result<void> result = body(conn);
      if (result.ok()) {
        result = conn.Commit();  // the first failed statement's error, if fn swallowed it
      } else {
        conn.Rollback();
      }
      if (result.ok() || !conn.conflict()) return result;
      if (attempt++ == kMaxAttempts) {
        return Error(Code::kAborted, Reason::kConflict,
                     "postgres: conflict persisted after " + std::to_string(kMaxAttempts) +
                         " attempts (" + result.error().message() + ")");
      }
      Backoff(attempt);
    }
  }

  // Lanes leave a pooled connection free for the reads that fn and other requests make.
  static std::size_t WriteLanes(const PostgresOptions& options) {
    return std::clamp<std::size_t>(options.write_lanes, 1,
                                   std::max<std::size_t>(options.pool_size, 2) - 1);
  }

  const Clock* const clock_;              // immutable after construction
  const std::chrono::milliseconds wait_;  // for a pooled connection
  postgres::Pool pool_;                   // own synchronisation
  postgres::GroupCommitter committer_;    // own synchronisation; uses pool_ through Write
};

}  // namespace

namespace postgres {

std::int64_t CommitCount(auth::Store& store) {
  auto* postgres_store = dynamic_cast<PostgresStore*>(&store);
  return postgres_store != nullptr ? postgres_store->commits() : -1;
}

}  // namespace postgres

Result<std::unique_ptr<auth::Store>> OpenPostgresStore(const PostgresOptions& options,
                                                       const Clock* clock) {
  if (options.url.empty() || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "postgres: url and clock needed");
  }
  if (options.read_only) {
    // Checked on a connection of its own (read-only too); the store's pool opens on demand.
    auto conn = postgres::Connection::Open(
        {options.url, options.connect_timeout_s, options.statement_timeout_ms, true});
    if (!conn.ok()) return conn.error();
    JWTD_RETURN_IF_ERROR(postgres::RequireCurrentSchema(**conn));
    return std::unique_ptr<auth::Store>(std::make_unique<PostgresStore>(options, clock));
  }
  auto store = std::make_unique<PostgresStore>(options, clock);
  Result<int> version = store->Migrate();  // also proves the server is reachable
  if (!version.ok()) return version.error();
  return std::unique_ptr<auth::Store>(std::move(store));
}

}  // namespace jwtd::store
