// The embedded SQLite store under disk faults, through the real `jwtd serve`:
//  - disk full while serving: the process's file-size limit (RLIMIT_FSIZE, set on the running
//    child with prlimit(2), no mount or privilege needed) drops to a few KiB, so every write that
//    extends the database, its WAL or the log fails with EFBIG, as on a full disk;
//  - read-only at start: the data directory or the database file is not writable by the user
//    jwtd runs as (tests running as root start jwtd as the unprivileged test user).
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fault_load.h"
#include "jwtd_process.h"
#include "support/process.h"

namespace jwtd::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The pid of our `jwtd serve` child working on `data_dir` (JwtdServer keeps its pid private).
pid_t ServerPid(const std::string& data_dir) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string pid, comm, state, ppid;
    if (!(stat >> pid >> comm >> state >> ppid) || std::stoi(ppid) != ::getpid()) continue;
    std::ifstream cmdline_file(entry.path() / "cmdline");
    std::stringstream cmdline;
    cmdline << cmdline_file.rdbuf();
    if (cmdline.str().find(data_dir + '\0') != std::string::npos) return std::stoi(name);
  }
  return -1;
}

// Sets the soft RLIMIT_FSIZE of a running process (the hard limit stays, so it can be lifted).
bool SetFileSizeLimit(pid_t pid, rlim_t bytes) {
  rlimit old{};
  if (::prlimit(pid, RLIMIT_FSIZE, nullptr, &old) != 0) return false;
  rlimit limit{bytes, old.rlim_max};
  return ::prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0;
}

HeldTokens LoginOnce(std::uint16_t port, const std::string& user, int* status) {
  HttpResponse r;
  HttpRequest req{.method = "POST",
                  .target = "/v1/login",
                  .body = boost::json::serialize(
                      boost::json::object{{"username", user}, {"password", "correct horse"}}),
                  .content_type = "application/json",
                  .headers = {}};
  *status = StatusOf(port, req, &r);
  if (*status != 200) return {};
  auto o = r.Json().as_object();
  return {std::string(o.at("access_token").as_string()),
          std::string(o.at("refresh_token").as_string())};
}

int LogoutStatus(std::uint16_t port, const std::string& access, HttpResponse* r) {
  HttpRequest req{.method = "POST",
                  .target = "/v1/logout",
                  .body = "{}",
                  .content_type = "application/json",
                  .headers = {{"Authorization", "Bearer " + access}}};
  return StatusOf(port, req, r);
}

TEST(SqliteDiskFullTest, WritesFailCleanlyReadsWorkNothingAcknowledgedIsLost) {
  TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  JwtdServer server(data_dir);
  std::atomic<std::uint16_t> port{server.port()};
  ASSERT_TRUE(RegisterUser(port, "probe"));
  int status = 0;
  HeldTokens live = LoginOnce(port, "probe", &status);
  ASSERT_EQ(status, 200);
  HeldTokens doomed = LoginOnce(port, "probe", &status);
  ASSERT_EQ(status, 200);

  Load load({.workers = 3, .nodes = {&port}});
  load.Start();
  ASSERT_TRUE(load.WaitForAcknowledged(10));  // acknowledged revocations before the disk fills
  const pid_t pid = ServerPid(data_dir);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(SetFileSizeLimit(pid, 4096)) << "prlimit: " << std::strerror(errno);

  // The disk is full: a logout is refused with a clear JSON 503, reads keep working.
  HttpResponse refused;
  status = LogoutStatus(port, doomed.access, &refused);
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(std::string(refused.Json().as_object().at("error").as_string()),
            "temporarily_unavailable");
  EXPECT_EQ(MeStatus(port, doomed.access), 200) << "a refused logout must not half-happen";
  EXPECT_EQ(MeStatus(port, live.access), 200) << "reads must keep working on a full disk";
  std::this_thread::sleep_for(1500ms);  // the load runs into the full disk
  EXPECT_EQ(::kill(pid, 0), 0);
  EXPECT_EQ(MeStatus(port, live.access), 200) << "jwtd died on a full disk:\n" << server.Output();

  // Space again: the node recovers on its own, without a restart.
  ASSERT_TRUE(SetFileSizeLimit(pid, RLIM_INFINITY));
  EXPECT_TRUE(WaitReady(port));
  const auto heal_deadline = SteadyClock::now() + 30s;
  while (LogoutStatus(port, doomed.access, &refused) != 204 && SteadyClock::now() < heal_deadline)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(refused.status, 204) << "writes do not work again after the disk has space";
  EXPECT_EQ(MeStatus(port, doomed.access), 401);
  EXPECT_TRUE(load.WaitForAcknowledged(load.acknowledged() + 10));
  load.Stop();

  for (const std::string& bad : load.BadStatuses()) ADD_FAILURE() << "unexpected " << bad;
  for (const std::string& v : load.Violations()) ADD_FAILURE() << v;
  const auto statuses = load.Statuses();
  int failed_writes = 0;
  for (const auto& [key, count] : statuses) {
    std::printf("  %-24s %d\n", key.c_str(), count);
    if (key.ends_with(" 503")) failed_writes += count;
  }
  EXPECT_GT(failed_writes, 0) << "the fault did not bite";
  EXPECT_GT(load.acknowledged(), 0);
  const int live_sessions = load.Audit(port);
  // And after a restart (the full disk may have interrupted commits): still nothing lost.
  server.Restart();
  port = server.port();
  ASSERT_TRUE(WaitReady(port));
  EXPECT_EQ(load.Audit(port), live_sessions);
  EXPECT_EQ(MeStatus(port, doomed.access), 401);
  EXPECT_EQ(MeStatus(port, live.access), 200);
}

// `jwtd serve` run to its exit as the unprivileged test user (as root, permissions would not
// apply); fails the test if it is still running after 30 s. `jwtd` is a copy of the binary that
// user can reach (CopyExecutable), not the build tree's.
struct Outcome {
  int exit_code = -1;
  std::string output;
};

Outcome ServeAs(const RunAs& run_as, const std::string& jwtd, const std::string& data_dir,
                const std::string& log_path, const std::string& command = "serve") {
  std::vector<std::string> argv = {jwtd, command, "--data-dir", data_dir};
  if (command == "serve") {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0", "--set", "password.ops_limit=1", "--set",
                             "password.mem_limit_kib=64"});
  }
  std::string error;
  const pid_t pid = Spawn(argv, log_path, run_as, &error);
  Outcome outcome;
  if (pid < 0) {
    ADD_FAILURE() << error;
    return outcome;
  }
  const auto deadline = SteadyClock::now() + 30s;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (SteadyClock::now() > deadline) {
      StopProcess(pid, SIGKILL, 1s);
      ADD_FAILURE() << "jwtd " << command << " kept running on an unwritable store";
      return outcome;
    }
    std::this_thread::sleep_for(20ms);
  }
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.output = LogTail(log_path, 8000);
  return outcome;
}

// Every file under `dir` with its size and bytes: "nothing half-created, nothing changed".
std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    if (entry.is_regular_file()) bytes << in.rdbuf();
    files[entry.path().string()] = bytes.str();
  }
  return files;
}

class SqliteReadOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(ResolveRunAs(&run_as_, &error)) << error;
    ASSERT_TRUE(MakeTempDir("jwtd-ro-", run_as_, &root_, &error)) << error;
    ASSERT_TRUE(CopyExecutable(JWTD_BINARY, root_, &jwtd_, &error)) << error;
    data_dir_ = root_ + "/data";
    log_ = root_ + "/jwtd.log";
  }
  Outcome Serve(const std::string& command = "serve") {
    return ServeAs(run_as_, jwtd_, data_dir_, log_, command);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(data_dir_, fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }
  void MakeDataDir() {
    ASSERT_EQ(::mkdir(data_dir_.c_str(), 0700), 0);
    std::string error;
    ASSERT_TRUE(Chown(data_dir_, run_as_, &error)) << error;
  }
  // A clear refusal: a non-zero exit and an error that names the store.
  void ExpectRefused(const Outcome& outcome) {
    EXPECT_NE(outcome.exit_code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("cannot start"), std::string::npos) << outcome.output;
    EXPECT_EQ(outcome.output.find("listening on"), std::string::npos) << outcome.output;
  }

  RunAs run_as_;
  std::string root_, jwtd_, data_dir_, log_;
};

TEST_F(SqliteReadOnlyTest, UnwritableEmptyDataDirRefusesToStartAndCreatesNothing) {
  MakeDataDir();
  fs::permissions(data_dir_, fs::perms::owner_read | fs::perms::owner_exec);
  ExpectRefused(Serve());
  EXPECT_TRUE(Snapshot(data_dir_).empty());
}

TEST_F(SqliteReadOnlyTest, ReadOnlyDatabaseRefusesToStartAndIsLeftUntouched) {
  MakeDataDir();
  Outcome migrated = Serve("migrate");
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  ASSERT_TRUE(fs::exists(data_dir_ + "/jwtd.db"));
  fs::permissions(data_dir_ + "/jwtd.db", fs::perms::owner_read);
  const auto before = Snapshot(data_dir_);
  ExpectRefused(Serve());
  EXPECT_EQ(Snapshot(data_dir_), before) << "files created or changed by a refused start";
}

TEST_F(SqliteReadOnlyTest, ReadOnlyDataDirWithADatabaseRefusesToStartAndIsLeftUntouched) {
  MakeDataDir();
  Outcome migrated = Serve("migrate");
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  fs::permissions(data_dir_, fs::perms::owner_read | fs::perms::owner_exec);
  const auto before = Snapshot(data_dir_);
  ExpectRefused(Serve());
  EXPECT_EQ(Snapshot(data_dir_), before) << "files created or changed by a refused start";
}

}  // namespace
}  // namespace jwtd::testing
