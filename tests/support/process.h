// Process helpers of the test-server harness (PostgresServer, RedisServer): free ports, temp
// dirs, an unprivileged user to run servers as when the tests run as root, spawning and
// stopping children. Errors come back as false/-1 with a message in *error; nothing throws.
// Call from one thread (the test's main thread): a spawned server gets SIGQUIT when the thread
// that spawned it exits (PR_SET_PDEATHSIG), so a crashed test binary leaves no server behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace jwtd::testing {

// The account servers run as when the tests run as root (PostgreSQL refuses to run as root).
inline constexpr const char* kTestUser = "jwtd-test";

// Who a spawned server runs as: the current user, or kTestUser when running as root.
struct RunAs {
  bool drop = false;  // true: switch to uid/gid in the child
  uid_t uid = 0;
  gid_t gid = 0;
};

// As root: creates kTestUser (useradd --system --no-create-home) if missing and returns it.
// Otherwise returns "stay as you are".
bool ResolveRunAs(RunAs* out, std::string* error);

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int FreeLoopbackPort();

// A fresh 0700 directory under the temp dir, owned by run_as (prefix like "jwtd-pg-").
bool MakeTempDir(const std::string& prefix, const RunAs& run_as, std::string* path,
                 std::string* error);
bool Chown(const std::string& path, const RunAs& run_as, std::string* error);

// Copies the executable `source` into `dir` (mode 0755) and sets *path to the copy. For a
// program run as run_as from the build tree, which run_as may not reach: a checkout under a
// 0700 directory (root's home, a `mktemp -d` directory) gives exit 127 from execv. `dir` must be
// reachable by run_as (one from MakeTempDir is).
bool CopyExecutable(const std::string& source, const std::string& dir, std::string* path,
                    std::string* error);

// Starts argv[0] with argv, stdout and stderr appended to log_path, as run_as. A child that
// drops to run_as starts in "/", not in the caller's working directory, which run_as may not
// reach (the build tree of a 0700 checkout). Returns the pid or -1.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path, const RunAs& run_as,
            std::string* error);
// Spawns and waits; returns the exit status (or -1 if it could not run or was killed).
int RunToExit(const std::vector<std::string>& argv, const std::string& log_path,
              const RunAs& run_as, std::string* error);

// Whether pid has exited (reaping it). Non-blocking.
bool Exited(pid_t pid);
// Sends sig, waits up to `wait` for the exit; true if it exited.
bool SignalAndWait(pid_t pid, int sig, std::chrono::milliseconds wait);
// Stops pid for sure: `polite` signal first, SIGKILL after `wait`. Reaps it.
void StopProcess(pid_t pid, int polite, std::chrono::milliseconds wait);

// The last `max_bytes` of a log file, for failure messages.
std::string LogTail(const std::string& path, std::size_t max_bytes = 2000);

}  // namespace jwtd::testing
