#include "jwtd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace jwtd::testing {
namespace {

std::vector<std::string> Environment(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "JWTD_", 5) != 0) env.emplace_back(*e);  // no leaks from the caller
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> ptrs;
  for (std::string& s : strings) ptrs.push_back(s.data());
  ptrs.push_back(nullptr);
  return ptrs;
}

// Spawns jwtd with stdin from `in_fd` (or /dev/null) and stdout+stderr into `out_fd`.
pid_t Spawn(std::vector<std::string> args,
            const std::vector<std::pair<std::string, std::string>>& env, int in_fd, int out_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (in_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  else
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  args.insert(args.begin(), JWTD_BINARY);
  std::vector<std::string> envs = Environment(env);
  auto argv = Pointers(args);
  auto envp = Pointers(envs);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, JWTD_BINARY, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " JWTD_BINARY);
  return pid;
}

// Appends what is readable on `fd` within `timeout_ms`; false at end of file.
bool ReadSome(int fd, std::string* out, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return true;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return false;
  out->append(buf, static_cast<std::size_t>(n));
  return true;
}

int WaitExit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "jwtd-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ProcessResult RunJwtd(const std::vector<std::string>& args,
                      const std::vector<std::pair<std::string, std::string>>& env,
                      const std::string& input) {
  int in_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = Spawn(args, env, in_pipe[0], out_pipe[1]);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  int out_fd = out_pipe[0];
  if (!input.empty() && ::write(in_pipe[1], input.data(), input.size()) < 0) {
    throw std::runtime_error("write to jwtd failed");
  }
  ::close(in_pipe[1]);
  ProcessResult result;
  while (ReadSome(out_fd, &result.out, 30'000)) {
  }
  ::close(out_fd);
  result.exit_code = WaitExit(pid);
  return result;
}

JwtdServer::JwtdServer(std::string data_dir, std::vector<std::string> extra_args,
                       std::vector<std::pair<std::string, std::string>> env)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)), env_(std::move(env)) {
  Start();
}

JwtdServer::~JwtdServer() {
  if (pid_ > 0) Kill();
}

// The server's output goes to a file, not a pipe: a pipe nobody drains would block its logger.
void JwtdServer::Start() {
  std::vector<std::string> args = {"serve",
                                   "--data-dir",
                                   data_dir_,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--set",
                                   "password.ops_limit=1",
                                   "--set",
                                   "password.mem_limit_kib=64"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  log_path_ = data_dir_ + ".log";
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_path_);
  pid_ = Spawn(args, env_, -1, log_fd);
  ::close(log_fd);
  static const std::regex kListening(R"(listening on https?://127\.0\.0\.1:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::smatch match;
  std::string out;
  while (!std::regex_search(out = Output(), match, kListening)) {
    int status = 0;
    if (std::chrono::steady_clock::now() > deadline || ::waitpid(pid_, &status, WNOHANG) == pid_) {
      if (::waitpid(pid_, &status, WNOHANG) == 0) Kill();
      pid_ = -1;
      throw std::runtime_error("jwtd serve did not start:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
  banner_ = out;
}

std::string JwtdServer::Output() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void JwtdServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  WaitExit(pid_);
  pid_ = -1;
}

int JwtdServer::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = WaitExit(pid_);
  pid_ = -1;
  return status;
}

void JwtdServer::Restart() {
  if (pid_ > 0) Kill();
  Start();
}

}  // namespace jwtd::testing
