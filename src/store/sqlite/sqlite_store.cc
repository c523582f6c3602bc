// The SQLite Store: one writer connection behind a mutex whose transactions are shared by
// concurrent writers (group commit: one BEGIN IMMEDIATE ... COMMIT and one fsync for a batch,
// each writer in its own savepoint; group_commit.h), a pool of read connections, WAL,
// synchronous=FULL. Contract: include/jwtd/store/sqlite_store.h.
#include "jwtd/store/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_tx.h"

namespace jwtd::store {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

constexpr int kMaxAttempts = 3;  // of a write transaction that met SQLITE_BUSY
// Writers sharing one commit at most. Bounds the wait of the last one (each runs a few
// statements, tens of microseconds) while amortising the fsync (~150 us) well.
constexpr std::size_t kMaxBatch = 64;

constexpr std::string_view kReadRevocations =
    "SELECT " JWTD_SQLITE_REVOCATION_COLUMNS
    " FROM revocations WHERE seq > ?1 AND expires_at > ?2 ORDER BY seq LIMIT ?3";
constexpr std::string_view kMaxSeq =
    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'revocations'), 0)";
constexpr std::string_view kAuditAll =
    "SELECT " JWTD_SQLITE_AUDIT_COLUMNS
    " FROM audit WHERE (?2 = '' OR event = ?2) AND at >= ?3 ORDER BY at DESC, id DESC LIMIT ?4";
constexpr std::string_view kAuditOfUser =
    "SELECT " JWTD_SQLITE_AUDIT_COLUMNS
    " FROM audit WHERE user_id = ?1 AND (?2 = '' OR event = ?2) AND at >= ?3"
    " ORDER BY at DESC, id DESC LIMIT ?4";
constexpr std::string_view kPing = "SELECT 1";
constexpr std::string_view kBusKey = "SELECT key FROM bus_key WHERE id = 1";

// A session is dead once revoked, idle-expired or absolutely expired before ?1 (the cutoff).
#define JWTD_SQLITE_SESSION_DEAD                                     \
  "(revoked_at != 0 AND revoked_at < ?1) OR idle_expires_at < ?1 OR" \
  " (absolute_expires_at != 0 AND absolute_expires_at < ?1)"
constexpr std::string_view kSweepRevocations = "DELETE FROM revocations WHERE expires_at <= ?1";
// Sessions are swept in rowid slices of kSweepSlice, one transaction each: the dead-session test
// has no index (one on idle_expires_at would cost every refresh an index update), so a single
// DELETE scanned the whole table while holding the writer — a write stall that grew with the
// table (~0.3 s at 1.2 M sessions in the soak of docs/benchmarks.md). A slice holds it briefly.
constexpr std::int64_t kSweepSlice = 20'000;
constexpr std::string_view kMaxSessionRowid = "SELECT COALESCE(MAX(rowid), 0) FROM sessions";
#define JWTD_SQLITE_SESSION_SLICE "rowid > ?2 AND rowid <= ?3 AND (" JWTD_SQLITE_SESSION_DEAD ")"
constexpr std::string_view kSweepRefreshes =
    "DELETE FROM refresh_tokens WHERE session_id IN"
    " (SELECT id FROM sessions WHERE " JWTD_SQLITE_SESSION_SLICE ")";
constexpr std::string_view kSweepSessions = "DELETE FROM sessions WHERE " JWTD_SQLITE_SESSION_SLICE;
// Audit rows go oldest first by the audit_by_time index, at most kAuditSweepSlice per slice and
// transaction, so the writer is held for one slice, and no row that stays is read. Only rows up
// to the last id seen at the start: every full slice deletes rows of that fixed set, so the
// loop ends (rows added meanwhile are newer than any cutoff anyway).
constexpr std::string_view kMaxAuditId = "SELECT COALESCE(MAX(id), 0) FROM audit";
constexpr std::string_view kSweepAudit =
    "DELETE FROM audit WHERE id IN"
    " (SELECT id FROM audit WHERE at < ?1 AND id <= ?2 ORDER BY at LIMIT ?3)";
// Outbox rows every stream is done with, oldest first by id, in slices like the audit's.
constexpr std::string_view kMaxEventId = "SELECT COALESCE(MAX(id), 0) FROM security_events";
constexpr std::string_view kSweepEvents =
    "DELETE FROM security_events WHERE id IN (SELECT id FROM security_events WHERE at < ?1"
    " AND id <= MIN(?2, COALESCE((SELECT MIN(acked_through) FROM ssf_streams"
    " WHERE status <> 'disabled'), ?2)) ORDER BY id LIMIT ?3)";
// Rotated rows stay for reuse detection (sqlite_store.h); only their sealed successor goes
// (refresh_tokens_sealed index). ForgetSealedSuccessors, and SweepExpired as a backstop.
constexpr std::string_view kForgetSuccessors =
    "UPDATE refresh_tokens SET sealed_successor = NULL"
    " WHERE state = 1 AND rotated_at < ?1 AND sealed_successor IS NOT NULL";

// Descriptors of the WAL file for the fdatasync after each group commit (group_commit.h,
// pipelining), all opened at start, each used by one sync at a time. Linux reports a writeback
// error once to each open file description that was open when it happened, to the first fsync
// through it that looks. One descriptor shared by syncs running side by side would tell only one
// of them, maybe not the one whose frames were lost; a descriptor opened later could miss an
// error that another has already seen. Through these, a sync that succeeds has seen every error
// on the file since the store opened, and any error at all poisons the store. An fsync through
// any descriptor flushes the file's data, and SQLite keeps the same -wal file (truncated or
// rewritten in place, never replaced) while any connection is open.
class WalSyncs {
 public:
  WalSyncs() = default;
  WalSyncs(const WalSyncs&) = delete;
  WalSyncs& operator=(const WalSyncs&) = delete;
  ~WalSyncs() {
    for (int fd : all_) ::close(fd);
  }

  Result<void> Open(const char* path) {
    for (std::size_t i = 0; i < kWalSyncs; ++i) {
      const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Failed("open", errno);
      all_.push_back(fd);
    }
    free_ = all_;
    return Ok();
  }

  // Blocks while kWalSyncs syncs are in flight.
  Result<void> Sync() {
    const int fd = Acquire();
    const int rc = ::fdatasync(fd);
    const int error = errno;
    Release(fd);
    if (rc != 0) return Failed("fsync", error);
    return Ok();
  }

 private:
  // Syncs in flight at most: the disk serves a few at once, and each one covers a whole batch.
  static constexpr std::size_t kWalSyncs = 16;

  static Error Failed(const char* what, int error) {
    return Error(
        Code::kUnavailable, Reason::kStoreUnavailable,
        std::string("sqlite: cannot ") + what + " the write-ahead log: " + std::strerror(error));
  }

  int Acquire() {
    std::unique_lock lock(mu_);
    released_.wait(lock, [this] { return !free_.empty(); });
    const int fd = free_.back();
    free_.pop_back();
    return fd;
  }
  void Release(int fd) {
    std::lock_guard lock(mu_);
    free_.push_back(fd);
    released_.notify_one();
  }

  std::vector<int> all_;  // immutable after Open
  std::mutex mu_;
  std::condition_variable released_;
  std::vector<int> free_;  // guarded by mu_: descriptors no sync is using
};

class SqliteStore final : public auth::Store, public auth::RevocationLog {
 public:
  // With a `wal`, COMMITs only write the WAL (synchronous=NORMAL) and the committer fdatasyncs
  // it outside the write lock before answering (group_commit.h): durable like synchronous=FULL.
  SqliteStore(std::unique_ptr<Connection> writer, const Clock* clock, std::unique_ptr<WalSyncs> wal)
      : clock_(clock),
        writer_(std::move(writer)),
        wal_(std::move(wal)),
        committer_(*writer_, write_mu_, kMaxBatch, kMaxAttempts, SyncOf(wal_.get())) {}

  void SetReaders(std::unique_ptr<sqlite::ReadPool> readers) { readers_ = std::move(readers); }

  Result<void> Transact(const std::function<Result<void>(auth::StoreTx&)>& fn) override {
    return committer_.Run([&fn](Connection& conn) {
      auto tx = sqlite::NewSqliteTx(conn);
      return fn(*tx);
    });
  }

  // A deferred transaction on a read connection: one WAL snapshot, never waiting for the writer.
  Result<void> Read(const std::function<Result<void>(auth::StoreReadTx&)>& fn) override {
    auto conn = readers_->Acquire();
    JWTD_RETURN_IF_ERROR(conn->Exec("BEGIN", "begin read"));
    auto tx = sqlite::NewSqliteReadTx(*conn);
    Result<void> result = fn(*tx);
    tx.reset();  // its statements end before the transaction does
    Result<void> ended = conn->Exec(result.ok() ? "COMMIT" : "ROLLBACK", "end read");
    if (!result.ok()) return result;
    return ended;
  }

  auth::RevocationLog& revocation_log() override { return *this; }

  std::int64_t commits() const { return committer_.commits(); }

  Result<std::vector<auth::RevocationEntry>> ReadRevocations(std::int64_t after_seq,
                                                             std::int64_t now,
                                                             std::size_t limit) override {
    auto conn = readers_->Acquire();
    Result<Stmt> stmt = conn->Prepare(kReadRevocations);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, after_seq).Bind(2, now).Bind(3, Clamp(limit));
    return ReadAll(*stmt, sqlite::ReadRevocation);
  }

  Result<std::int64_t> MaxRevocationSeq() override { return ReadInt(kMaxSeq); }

  Result<std::int64_t> SweepExpired(std::int64_t now, std::int64_t retain_seconds) override {
    const std::int64_t cutoff = now - retain_seconds;
    std::int64_t deleted = 0;
    auto small = [&](Connection& conn) -> Result<void> {
      deleted = 0;  // a retried attempt starts over
      for (auto [sql, bound, counted] : {std::tuple{kSweepRevocations, now, true},
                                         std::tuple{kForgetSuccessors, cutoff, false}}) {
        Result<Stmt> stmt = conn.Prepare(sql);
        if (!stmt.ok()) return stmt.error();
        JWTD_RETURN_IF_ERROR(stmt->Bind(1, bound).Run());
        if (counted) deleted += stmt->Changes();
      }
      return Ok();
    };
    JWTD_RETURN_IF_ERROR(committer_.Run(small));
    // Rows added after this read are younger than any cutoff: the slices may stop here.
    Result<std::int64_t> last = MaxSessionRowid();
    if (!last.ok()) return last.error();
    for (std::int64_t low = 0; low < *last; low += kSweepSlice) {
      std::int64_t in_slice = 0;
      auto slice = [&](Connection& conn) -> Result<void> {
        in_slice = 0;
        for (std::string_view sql : {kSweepRefreshes, kSweepSessions}) {
          Result<Stmt> stmt = conn.Prepare(sql);
          if (!stmt.ok()) return stmt.error();
          JWTD_RETURN_IF_ERROR(stmt->Bind(1, cutoff).Bind(2, low).Bind(3, low + kSweepSlice).Run());
          in_slice += stmt->Changes();
        }
        return Ok();
      };
      JWTD_RETURN_IF_ERROR(committer_.Run(slice));
      deleted += in_slice;
    }
    return deleted;
  }

  Result<std::int64_t> ForgetSealedSuccessors(std::int64_t rotated_before) override {
    std::int64_t cleared = 0;
    auto forget = [&](Connection& conn) -> Result<void> {
      Result<Stmt> stmt = conn.Prepare(kForgetSuccessors);
      if (!stmt.ok()) return stmt.error();
      JWTD_RETURN_IF_ERROR(stmt->Bind(1, rotated_before).Run());
      cleared = stmt->Changes();
      return Ok();
    };
    JWTD_RETURN_IF_ERROR(committer_.Run(forget));
    return cleared;
  }

  Result<std::int64_t> SweepAudit(std::int64_t before) override {
    return DeleteInSlices(kMaxAuditId, kSweepAudit, before, kAuditSweepSlice);
  }

  Result<std::int64_t> SweepDeliveredEvents(std::int64_t before) override {
    return DeleteInSlices(kMaxEventId, kSweepEvents, before, kEventSweepSlice);
  }

  Result<std::string> BusKey() override {
    auto conn = readers_->Acquire();
    Result<Stmt> stmt = conn->Prepare(kBusKey);
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    if (!*row) return Error(Code::kNotFound, Reason::kInternal, "sqlite: no bus key row");
    return stmt->Text(0);
  }

  Result<std::vector<auth::AuditEvent>> ListAudit(const auth::AuditFilter& filter) override {
    auto conn = readers_->Acquire();
    Result<Stmt> stmt = conn->Prepare(filter.user_id ? kAuditOfUser : kAuditAll);
    if (!stmt.ok()) return stmt.error();
    if (filter.user_id) stmt->Bind(1, *filter.user_id);
    stmt->BindText(2, filter.event).Bind(3, filter.since).Bind(4, Clamp(filter.limit));
    return ReadAll(*stmt, sqlite::ReadAudit);
  }

  // Not ready once poisoned by a failed fsync (group_commit.h): reads still work, writes never
  // will until a restart, so the load balancer should send the traffic elsewhere.
  Result<void> Ping() override {
    JWTD_RETURN_IF_ERROR(committer_.Health());
    auto conn = readers_->Acquire();
    Result<Stmt> stmt = conn->Prepare(kPing);
    if (!stmt.ok()) return stmt.error();
    return stmt->Run();
  }

  Result<int> Migrate() override {
    std::lock_guard lock(write_mu_);
    return sqlite::Migrate(*writer_, clock_->NowSeconds());
  }

 private:
  // Runs `sweep` (?1 before, ?2 the highest id at the start, ?3 the slice) in write
  // transactions of at most `slice` rows until one deletes fewer. Only rows up to the id read
  // first: every full slice deletes rows of that fixed set, so the loop ends.
  Result<std::int64_t> DeleteInSlices(std::string_view max_id, std::string_view sweep,
                                      std::int64_t before, std::int64_t slice) {
    Result<std::int64_t> last = ReadInt(max_id);
    if (!last.ok()) return last.error();
    std::int64_t deleted = 0;
    for (;;) {
      std::int64_t in_slice = 0;
      auto run = [&](Connection& conn) -> Result<void> {
        Result<Stmt> stmt = conn.Prepare(sweep);
        if (!stmt.ok()) return stmt.error();
        JWTD_RETURN_IF_ERROR(stmt->Bind(1, before).Bind(2, *last).Bind(3, slice).Run());
        in_slice = stmt->Changes();
        return Ok();
      };
      JWTD_RETURN_IF_ERROR(committer_.Run(run));
      deleted += in_slice;
      if (in_slice < slice) return deleted;
    }
  }

  // A one-row, one-integer query on a read connection.
  Result<std::int64_t> ReadInt(std::string_view sql) {
    auto conn = readers_->Acquire();
    Result<Stmt> stmt = conn->Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    return stmt->Int(0);
  }
  Result<std::int64_t> MaxSessionRowid() { return ReadInt(kMaxSessionRowid); }

  static sqlite::GroupCommitter::Sync SyncOf(WalSyncs* wal) {
    if (wal == nullptr) return {};
    return [wal] { return wal->Sync(); };
  }

  static std::int64_t Clamp(std::size_t n) {
    return static_cast<std::int64_t>(std::min(n, kMaxRowsPerRead));
  }

  template <typename Read>
  static auto ReadAll(Stmt& stmt, Read read) -> Result<std::vector<decltype(read(stmt))>> {
    std::vector<decltype(read(stmt))> out;
    for (;;) {
      Result<bool> row = stmt.Step();
      if (!row.ok()) return row.error();
      if (!*row) return out;
      out.push_back(read(stmt));
    }
  }

  const Clock* const clock_;                   // immutable after construction
  std::unique_ptr<sqlite::ReadPool> readers_;  // set once by the factory; own synchronisation
  std::mutex write_mu_;
  const std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  const std::unique_ptr<WalSyncs> wal_;       // null: SQLite syncs (or not) by itself
  sqlite::GroupCommitter committer_;          // runs Transact and the sweeps on writer_
};

Error Unavailable(std::string message) {
  return Error(Code::kUnavailable, Reason::kStoreUnavailable, std::move(message));
}

// WAL lets readers run beside the writer. Switching needs a moment of exclusive access, which a
// concurrently opening or migrating process may hold; SQLite answers that BUSY at once, without
// its busy handler (a reader asking for an exclusive lock could deadlock). So this waits itself:
// retries with a growing pause (1 ms doubling to 50 ms) for up to the busy timeout. Three quick
// retries were not enough: processes starting together failed ~3 % of the time.
Result<void> EnableWal(Connection& conn, int busy_timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  std::chrono::milliseconds pause{1};
  while (true) {
    (void)conn.TakeBusy();
    Result<std::string> mode = conn.QueryText("PRAGMA journal_mode=WAL");
    if (mode.ok() && *mode == "wal") return Ok();
    if (mode.ok()) return Unavailable("sqlite: cannot switch the journal to WAL");
    if (!conn.TakeBusy() || Clock::now() >= deadline) return mode.error();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

Result<std::unique_ptr<sqlite::ReadPool>> OpenReaders(const SqliteOptions& options) {
  std::vector<std::unique_ptr<Connection>> conns;
  for (std::size_t i = 0; i < std::max<std::size_t>(options.pool_size, 1); ++i) {
    auto conn = Connection::Open(options.path, /*for_reads=*/true, options.busy_timeout_ms,
                                 options.read_only);
    if (!conn.ok()) return conn.error();
    conns.push_back(std::move(*conn));
  }
  return std::make_unique<sqlite::ReadPool>(std::move(conns));
}

// A read-only store: the "writer" is a read-only connection too, so every write fails with
// SQLite's read-only error (kUnavailable) and nothing, not even the journal mode, is changed.
Result<std::unique_ptr<auth::Store>> OpenReadOnly(const SqliteOptions& options,
                                                  const Clock* clock) {
  auto writer = Connection::Open(options.path, /*for_reads=*/true, options.busy_timeout_ms,
                                 /*read_only=*/true);
  if (!writer.ok()) {
    return Unavailable(
        "sqlite: cannot open " + options.path +
        " read-only (a read-only node never creates it): " + writer.error().message());
  }
  JWTD_RETURN_IF_ERROR(sqlite::RequireCurrentSchema(**writer));
  auto store = std::make_unique<SqliteStore>(std::move(*writer), clock, nullptr);
  auto readers = OpenReaders(options);
  if (!readers.ok()) return readers.error();
  store->SetReaders(std::move(*readers));
  return std::unique_ptr<auth::Store>(std::move(store));
}

}  // namespace

namespace sqlite {

std::int64_t CommitCount(auth::Store& store) {
  auto* sqlite_store = dynamic_cast<SqliteStore*>(&store);
  return sqlite_store != nullptr ? sqlite_store->commits() : -1;
}

}  // namespace sqlite

Result<std::unique_ptr<auth::Store>> OpenSqliteStore(const SqliteOptions& options,
                                                     const Clock* clock) {
  if (options.path.empty() || clock == nullptr) {
    return Error(Code::kInvalidArgument, Reason::kBadRequest, "sqlite: path and clock needed");
  }
  if (options.read_only) return OpenReadOnly(options, clock);
  auto writer = Connection::Open(options.path, /*for_reads=*/false, options.busy_timeout_ms);
  if (!writer.ok()) return writer.error();
  if ((*writer)->read_only()) return Unavailable("sqlite open: the database is read-only");
  JWTD_RETURN_IF_ERROR(EnableWal(**writer, options.busy_timeout_ms));
  // synchronous_full: every acknowledged write is on disk. Not by synchronous=FULL (the COMMIT
  // would fsync while holding the writer) but by NORMAL plus our own fdatasync of the WAL after
  // each group commit, outside the writer's lock (group_commit.h). NORMAL still syncs the WAL
  // before each checkpoint, so checkpoints never copy unsynced frames into the database.
  JWTD_RETURN_IF_ERROR((*writer)->Exec("PRAGMA synchronous=NORMAL", "synchronous"));
  std::unique_ptr<WalSyncs> wal;
  if (options.synchronous_full) {
    // Reading the schema version below opens (and creates) the -wal file; touch it now.
    JWTD_RETURN_IF_ERROR((*writer)->Exec("SELECT count(*) FROM sqlite_master", "open wal"));
    wal = std::make_unique<WalSyncs>();
    JWTD_RETURN_IF_ERROR(
        wal->Open(sqlite3_filename_wal(sqlite3_db_filename((*writer)->db(), "main"))));
  }
  // Savepoints (one per fn of a group commit) spill to a statement journal: keep it in memory
  // rather than a temp file per batch. A larger page cache for the writer: sessions and
  // refresh-token index pages are touched at random, and the default 2 MiB cache made most
  // rotations read pages back from the file.
  JWTD_RETURN_IF_ERROR((*writer)->Exec("PRAGMA temp_store=MEMORY", "temp_store"));
  JWTD_RETURN_IF_ERROR((*writer)->Exec("PRAGMA cache_size=-32768", "cache_size"));

  auto store = std::make_unique<SqliteStore>(std::move(*writer), clock, std::move(wal));
  Result<int> version = store->Migrate();
  if (!version.ok()) return version.error();
  auto readers = OpenReaders(options);
  if (!readers.ok()) return readers.error();
  store->SetReaders(std::move(*readers));
  return std::unique_ptr<auth::Store>(std::move(store));
}

}  // namespace jwtd::store
