// SQLite-only behaviour: durability across reopen and crash, WAL, migrations (idempotent, from
// several threads and processes at once), and the mapping of file-level failures.
#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

#include "store/store_test_util.h"

namespace jwtd::store::testing {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

// A second, raw connection to the same file, to look at what the store wrote.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  std::string Text(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out = "<error>";
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text == nullptr ? "" : reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
    return out;
  }
  int Exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<auth::Store>> Open(int busy_timeout_ms = 5000) {
    return OpenSqliteStore({.path = path_, .busy_timeout_ms = busy_timeout_ms}, &clock_);
  }
  std::unique_ptr<auth::Store> OpenOk() {
    auto store = Open();
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(*store) : nullptr;
  }
  static Result<void> AppendJti(auth::Store& store, const std::string& jti) {
    auth::RevocationEntry e = MakeRevocation(jti, kNow + 3600);  // its seq set at commit
    return store.Transact(
        [&](auth::StoreTx& tx) -> Result<void> { return tx.AppendRevocation(e, &e.seq); });
  }
  // Runs `child` in `n` forked processes; returns how many exited with status 0.
  static int RunInChildren(int n, const std::function<bool()>& child) {
    std::vector<pid_t> pids;
    for (int i = 0; i < n; ++i) {
      pid_t pid = fork();
      if (pid == 0) _exit(child() ? 0 : 1);
      pids.push_back(pid);
    }
    int ok = 0;
    for (pid_t pid : pids) {
      int status = 0;
      waitpid(pid, &status, 0);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++ok;
    }
    return ok;
  }

  TempDir dir_;
  std::string path_ = dir_.File("jwtd.db");
  ManualClock clock_{kNow};
};

TEST_F(SqliteStoreTest, CommittedDataSurvivesReopen) {
  {
    auto store = OpenOk();
    ASSERT_NE(store, nullptr);
    JWTD_ASSERT_OK(store->Transact([](auth::StoreTx& tx) -> Result<void> {
      auto u = tx.InsertUser("alice", "h", kNow);
      if (!u.ok()) return u.error();
      return Ok();
    }));
    JWTD_ASSERT_OK(AppendJti(*store, "jti-1"));
  }
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  auto max = store->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, 1);
  JWTD_EXPECT_OK(store->Transact([](auth::StoreTx& tx) -> Result<void> {
    auto u = tx.FindUserByName("alice");
    EXPECT_TRUE(u.ok() && u->has_value());
    return Ok();
  }));
}

// The session sweep runs in rowid slices (one short write transaction each, so a large table
// never stalls writers for a whole scan): every slice is covered, the last one included, and
// only dead sessions (with their refresh records) go.
TEST_F(SqliteStoreTest, SweepCoversEverySliceOfALargeSessionTable) {
  constexpr int kSessions = 45'000;  // more than two slices of 20,000
  constexpr std::int64_t kRetain = 1000;
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  std::int64_t user_id = 0;
  int dead = 0;
  // Names built by append: GCC 12 reports a false -Wrestrict for "literal" + std::string and
  // for insert() here.
  auto name = [](const char* prefix, int i) {
    return std::string(prefix).append(std::to_string(i));
  };
  auto refresh_of = [&name](int i) { return name("hs", i); };
  JWTD_ASSERT_OK(store->Transact([&](auth::StoreTx& tx) -> Result<void> {
    auto u = tx.InsertUser("alice", "h", kNow);
    if (!u.ok()) return u.error();
    user_id = u->id;
    for (int i = 0; i < kSessions; ++i) {
      const std::string id = name("s", i);
      auth::Session s = MakeSession(id, user_id, kNow - 10);
      // Every 7th revoked before the cutoff, and the very last row too (the final slice).
      if (i % 7 == 0 || i == kSessions - 1) {
        s.revoked_at = kNow - kRetain - 1;
        ++dead;
      }
      JWTD_RETURN_IF_ERROR(tx.InsertSession(s));
      JWTD_RETURN_IF_ERROR(tx.InsertRefresh(MakeRefresh(refresh_of(i), id, 1)));
    }
    return Ok();
  }));
  auto swept = store->SweepExpired(kNow, kRetain);
  ASSERT_TRUE(swept.ok()) << swept.error().message();
  EXPECT_EQ(*swept, 2 * dead) << "each dead session and its one refresh record";
  JWTD_EXPECT_OK(store->Transact([&](auth::StoreTx& tx) -> Result<void> {
    for (int i : {0, 7, 20'006, 40'005, kSessions - 1}) {
      auto r = tx.FindRefresh(refresh_of(i));
      EXPECT_TRUE(r.ok() && !r->has_value()) << i;
    }
    for (int i : {1, 20'000, 20'001, 40'001, kSessions - 2}) {
      auto r = tx.FindRefresh(refresh_of(i));
      EXPECT_TRUE(r.ok() && r->has_value()) << i;
    }
    return Ok();
  }));
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("SELECT count(*) FROM sessions"), std::to_string(kSessions - dead));
  EXPECT_EQ(raw.Text("SELECT count(*) FROM refresh_tokens"), std::to_string(kSessions - dead));
  auto again = store->SweepExpired(kNow, kRetain);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

// A process killed right after Transact returned (no close, no checkpoint) loses nothing: the
// commit is in the fsynced WAL, which the next open replays.
TEST_F(SqliteStoreTest, CommitSurvivesAKilledProcess) {
  pid_t pid = fork();
  if (pid == 0) {
    auto store = Open();
    if (!store.ok() || !AppendJti(**store, "before-kill").ok()) _exit(1);
    raise(SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child failed early";
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  auto log = store->revocation_log().ReadRevocations(0, kNow, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].key, "before-kill");
}

TEST_F(SqliteStoreTest, UsesWalAndRecordsMigrations) {
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM schema_migrations"),
            "7");  // v2: the bus key; v3: the event outbox; v4: SSF streams; v5: their kinds; v6:
                   // bulk jobs; v7: sessions' DPoP key
  EXPECT_EQ(raw.Text("SELECT applied_at FROM schema_migrations WHERE version = 1"),
            std::to_string(kNow));
  EXPECT_EQ(raw.Text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                     " ('users', 'sessions', 'refresh_tokens', 'revocations', 'audit')"),
            "5");
}

// A verifier's store: never created, never migrated; reads see the writer's commits; every write
// fails and changes nothing.
TEST_F(SqliteStoreTest, ReadOnlyStoreReadsAndNeverWrites) {
  auto missing = OpenSqliteStore({.path = path_, .read_only = true}, &clock_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), Code::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(path_));

  auto writer = OpenOk();
  ASSERT_TRUE(AppendJti(*writer, "one").ok());
  auto reader = OpenSqliteStore({.path = path_, .read_only = true}, &clock_);
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  auto max = (*reader)->revocation_log().MaxRevocationSeq();
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, 1);
  const auto write = AppendJti(**reader, "two");
  EXPECT_FALSE(write.ok());
  EXPECT_EQ(write.error().code(), Code::kUnavailable);
  EXPECT_FALSE((*reader)->SweepExpired(kNow, 0).ok());
  EXPECT_TRUE((*reader)->Ping().ok());
  ASSERT_TRUE(AppendJti(*writer, "three").ok());
  EXPECT_EQ(*(*reader)->revocation_log().MaxRevocationSeq(), 2);  // "two" never happened

  // An older schema is refused, not migrated.
  reader->reset();
  writer.reset();
  {
    RawDb raw(path_);
    ASSERT_EQ(raw.Exec("DELETE FROM schema_migrations WHERE version = "
                       "(SELECT MAX(version) FROM schema_migrations)"),
              SQLITE_OK);
  }
  const std::string lowered = RawDb(path_).Text("SELECT MAX(version) FROM schema_migrations");
  auto older = OpenSqliteStore({.path = path_, .read_only = true}, &clock_);
  ASSERT_FALSE(older.ok());
  EXPECT_NE(older.error().message().find("older than this build"), std::string::npos)
      << older.error().message();
  EXPECT_EQ(RawDb(path_).Text("SELECT MAX(version) FROM schema_migrations"), lowered);
}

TEST_F(SqliteStoreTest, MigrateAgainIsANoOp) {
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  clock_.Advance(500);
  auto again = store->Migrate();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 7);
  store.reset();
  store = OpenOk();  // reopening migrates again
  ASSERT_NE(store, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("SELECT count(*) FROM schema_migrations"), "7");
  EXPECT_EQ(raw.Text("SELECT max(applied_at) FROM schema_migrations"), std::to_string(kNow));
}

// v4 -> v5: streams that asked for every event, or named credential-change before jwtd emitted
// it, now take it (the kinds bit 1 << 2); a stream that named only other events does not.
TEST_F(SqliteStoreTest, UpgradeToV5GivesCredentialChangeToStreamsThatAskedForIt) {
  auto store = OpenOk();
  ASSERT_NE(store, nullptr);
  store.reset();
  {
    RawDb raw(path_);  // back to v4 as released, with three streams made then
    ASSERT_EQ(raw.Exec("DELETE FROM schema_migrations WHERE version >= 5; DROP TABLE bulk_jobs;"
                       " ALTER TABLE sessions DROP COLUMN dpop_jkt;"
                       " INSERT INTO ssf_streams(id, client, audience, events_requested, kinds,"
                       " delivery_method, endpoint_url, description, status, status_reason,"
                       " acked_through, created_at, updated_at) VALUES"
                       " ('all', 'rs1', 'rs1', '', 10, 'urn:ietf:rfc:8936', '', '', 'enabled',"
                       " '', 0, 1, 1),"
                       " ('named', 'rs1', 'rs1', 'https://schemas.openid.net/secevent/caep/"
                       "event-type/session-revoked https://schemas.openid.net/secevent/caep/"
                       "event-type/credential-change', 10, 'urn:ietf:rfc:8936', '', '', 'enabled',"
                       " '', 0, 1, 1),"
                       " ('other', 'rs1', 'rs1', 'https://schemas.openid.net/secevent/caep/"
                       "event-type/session-revoked', 10, 'urn:ietf:rfc:8936', '', '', 'enabled',"
                       " '', 0, 1, 1);"),
              SQLITE_OK);
  }
  store = OpenOk();
  ASSERT_NE(store, nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("SELECT group_concat(id || '=' || kinds, ',') FROM"
                     " (SELECT id, kinds FROM ssf_streams ORDER BY id)"),
            "all=14,named=14,other=10");
}

TEST_F(SqliteStoreTest, ThreadsOpeningOneNewFileAtOnceAllSucceed) {
  constexpr int kThreads = 4;
  std::vector<Result<std::unique_ptr<auth::Store>>> results;
  results.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) results.emplace_back(Error(Code::kInternal, Reason::kNone));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[i] = Open(); });
  }
  for (auto& t : threads) t.join();
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message();
    JWTD_EXPECT_OK(AppendJti(**r, "from-thread"));
  }
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("SELECT count(*) FROM schema_migrations"), "7");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM revocations"), std::to_string(kThreads));
}

TEST_F(SqliteStoreTest, ProcessesMigratingAndWritingAtOnceAreSerialised) {
  constexpr int kProcesses = 4;
  constexpr int kAppendsEach = 10;
  int ok = RunInChildren(kProcesses, [this] {
    auto store = Open();
    if (!store.ok()) return false;
    const std::string jti = "pid-" + std::to_string(getpid());
    for (int i = 0; i < kAppendsEach; ++i) {
      if (!AppendJti(**store, jti).ok()) return false;
    }
    return true;
  });
  EXPECT_EQ(ok, kProcesses);
  RawDb raw(path_);
  EXPECT_EQ(raw.Text("SELECT count(*) FROM schema_migrations"), "7");
  EXPECT_EQ(raw.Text("SELECT count(DISTINCT seq) FROM revocations"),
            std::to_string(kProcesses * kAppendsEach));
  EXPECT_EQ(raw.Text("SELECT max(seq) FROM revocations"),
            std::to_string(kProcesses * kAppendsEach));
}

// Another process holding the write lock past busy_timeout: Transact reports kUnavailable
// (after its retries) instead of hanging, and WAL readers are not blocked meanwhile.
TEST_F(SqliteStoreTest, WriteLockHeldElsewhereIsUnavailableAndReadsGoOn) {
  auto opened = Open(/*busy_timeout_ms=*/50);
  ASSERT_TRUE(opened.ok());
  auth::Store& store = **opened;
  JWTD_ASSERT_OK(AppendJti(store, "committed"));
  RawDb other(path_);
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  Result<void> blocked = AppendJti(store, "blocked");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code(), Code::kUnavailable);
  EXPECT_EQ(blocked.error().reason(), Reason::kStoreUnavailable);
  EXPECT_NE(blocked.error().message().find("locked"), std::string::npos)
      << blocked.error().message();
  JWTD_EXPECT_OK(store.Ping());
  auto log = store.revocation_log().ReadRevocations(0, kNow, 10);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 1u);
  ASSERT_EQ(other.Exec("COMMIT"), SQLITE_OK);
  JWTD_EXPECT_OK(AppendJti(store, "after"));
}

// Sets or clears the file's immutable attribute (which even root cannot write through).
bool SetImmutable(const std::string& path, bool on) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
  ok = ok && ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  close(fd);
  return ok;
}

TEST_F(SqliteStoreTest, ReadOnlyDatabaseFileIsUnavailable) {
  ASSERT_NE(OpenOk(), nullptr);
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  // root ignores file modes; the immutable attribute binds root too.
  if (geteuid() == 0) {
    ASSERT_TRUE(SetImmutable(path_, true));
  }
  auto store = Open();
  if (geteuid() == 0) SetImmutable(path_, false);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
  EXPECT_EQ(store.error().reason(), Reason::kStoreUnavailable);

  std::string uri_path = "file:";  // an SQLite URI opening the file read-only
  uri_path.append(path_).append("?mode=ro");
  auto uri = OpenSqliteStore({.path = uri_path}, &clock_);
  ASSERT_FALSE(uri.ok());
  EXPECT_EQ(uri.error().code(), Code::kUnavailable);
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailable) {
  auto store = OpenSqliteStore({.path = dir_.File("no/such/dir/jwtd.db")}, &clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kUnavailable);
}

TEST_F(SqliteStoreTest, NotADatabaseIsInternal) {
  std::ofstream(path_) << std::string(8192, 'x');
  auto store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kInternal);
}

TEST_F(SqliteStoreTest, NewerSchemaThanThisBuildIsRefused) {
  ASSERT_NE(OpenOk(), nullptr);
  {
    RawDb raw(path_);
    ASSERT_EQ(raw.Exec("INSERT INTO schema_migrations VALUES (99, 0)"), SQLITE_OK);
  }
  auto store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kInternal);
  EXPECT_NE(store.error().message().find("newer"), std::string::npos);
}

}  // namespace
}  // namespace jwtd::store::testing
