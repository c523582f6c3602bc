#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace jwtd::testing {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool LookUp(RunAs* out) {
  struct passwd* pw = getpwnam(kTestUser);
  if (pw == nullptr) return false;
  out->drop = true;
  out->uid = pw->pw_uid;
  out->gid = pw->pw_gid;
  return true;
}

}  // namespace

bool ResolveRunAs(RunAs* out, std::string* error) {
  *out = RunAs{};
  if (geteuid() != 0) return true;
  if (LookUp(out)) return true;
  // Another test binary may create it at the same moment: look again whatever useradd says.
  (void)RunToExit({"/usr/sbin/useradd", "--system", "--no-create-home", "--shell",
                   "/usr/sbin/nologin", kTestUser},
                  "/dev/null", RunAs{}, error);
  if (LookUp(out)) return true;
  *error = std::string("cannot create the system user ") + kTestUser + " (useradd failed)";
  return false;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool Chown(const std::string& path, const RunAs& run_as, std::string* error) {
  if (!run_as.drop) return true;
  if (chown(path.c_str(), run_as.uid, run_as.gid) != 0) {
    *error = Errno("chown " + path);
    return false;
  }
  return true;
}

bool MakeTempDir(const std::string& prefix, const RunAs& run_as, std::string* path,
                 std::string* error) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    *error = Errno("mkdtemp " + pattern);
    return false;
  }
  *path = pattern;
  return Chown(pattern, run_as, error);
}

bool CopyExecutable(const std::string& source, const std::string& dir, std::string* path,
                    std::string* error) {
  namespace fs = std::filesystem;
  const fs::path target = fs::path(dir) / fs::path(source).filename();
  std::error_code ec;
  fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
  if (!ec) {
    fs::permissions(target,
                    fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec,
                    ec);
  }
  if (ec) {
    *error = "copy " + source + " to " + target.string() + ": " + ec.message();
    return false;
  }
  *path = target.string();
  return true;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path, const RunAs& run_as,
            std::string* error) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null_in < 0) {
    *error = Errno("open " + log_path);
    if (log >= 0) close(log);
    if (null_in >= 0) close(null_in);
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(null_in, 0);
    dup2(log, 1);
    dup2(log, 2);
    if (run_as.drop &&
        (setgroups(0, nullptr) != 0 || setgid(run_as.gid) != 0 || setuid(run_as.uid) != 0)) {
      _exit(126);
    }
    if (run_as.drop && chdir("/") != 0) _exit(126);
    // After setuid: a change of credentials clears the parent-death signal.
    prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (getppid() != parent) _exit(125);
    execv(args[0], args.data());
    _exit(127);
  }
  close(log);
  close(null_in);
  if (pid < 0) *error = Errno("fork");
  return pid;
}

int RunToExit(const std::vector<std::string>& argv, const std::string& log_path,
              const RunAs& run_as, std::string* error) {
  const pid_t pid = Spawn(argv, log_path, run_as, error);
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Exited(pid_t pid) {
  int status = 0;
  const pid_t r = waitpid(pid, &status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

bool SignalAndWait(pid_t pid, int sig, std::chrono::milliseconds wait) {
  if (kill(pid, sig) != 0 && errno == ESRCH) {
    (void)Exited(pid);  // already gone: reap it if it was ours
    return true;
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Exited(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Exited(pid);
}

void StopProcess(pid_t pid, int polite, std::chrono::milliseconds wait) {
  if (pid <= 0) return;
  if (SignalAndWait(pid, polite, wait)) return;
  (void)SignalAndWait(pid, SIGKILL, std::chrono::seconds(10));
}

std::string LogTail(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace jwtd::testing
