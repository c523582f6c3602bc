#include "support/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace jwtd::testing {
namespace {

constexpr const char kBinary[] = "/usr/bin/redis-server";
constexpr auto kReadyTimeout = std::chrono::seconds(20);
constexpr int kLaunchAttempts = 3;

}  // namespace

bool RedisPing(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    constexpr char kPing[] = "PING\r\n";
    char reply[16] = {};
    if (send(fd, kPing, sizeof(kPing) - 1, MSG_NOSIGNAL) == sizeof(kPing) - 1) {
      const ssize_t n = recv(fd, reply, sizeof(reply) - 1, 0);
      ok = n >= 5 && std::string(reply, 5) == "+PONG";
    }
  }
  close(fd);
  return ok;
}

std::unique_ptr<RedisServer> RedisServer::Start(std::string* error) {
  if (!std::filesystem::exists(kBinary)) {
    *error =
        "redis-server not found at /usr/bin/redis-server: install the 'redis-server' "
        "package (scripts/install-deps.sh)";
    return nullptr;
  }
  std::unique_ptr<RedisServer> server(new RedisServer());
  if (!ResolveRunAs(&server->run_as_, error) ||
      !MakeTempDir("jwtd-redis-", server->run_as_, &server->dir_, error)) {
    return nullptr;
  }
  server->log_path_ = server->dir_ + "/redis.log";
  std::ofstream(server->log_path_).flush();
  if (!Chown(server->log_path_, server->run_as_, error)) return nullptr;
  for (int attempt = 1;; ++attempt) {
    server->port_ = FreeLoopbackPort();
    if (server->Launch(error) && server->WaitReady(error)) break;
    server->Stop();
    if (attempt == kLaunchAttempts) return nullptr;
  }
  server->url_ = "redis://127.0.0.1:" + std::to_string(server->port_);
  return server;
}

RedisServer::~RedisServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool RedisServer::Launch(std::string* error) {
  pid_ =
      Spawn({kBinary, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", dir_, "--daemonize", "no", "--protected-mode", "yes"},
            log_path_, run_as_, error);
  return pid_ > 0;
}

bool RedisServer::WaitReady(std::string* error) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (RedisPing(port_)) return true;
    if (Exited(pid_)) {
      pid_ = -1;
      *error = "redis-server exited while starting: " + LogTail(log_path_);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "redis-server did not answer PING within 20 s: " + LogTail(log_path_);
  return false;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);  // a paused server (Pause) could not act on SIGTERM
  StopProcess(pid_, SIGTERM, std::chrono::seconds(10));
  pid_ = -1;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  (void)SignalAndWait(pid_, SIGKILL, std::chrono::seconds(10));
  pid_ = -1;
}

void RedisServer::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool RedisServer::Restart(std::string* error) {
  Stop();
  for (int attempt = 1;; ++attempt) {
    if (Launch(error) && WaitReady(error)) return true;
    Stop();
    if (attempt == 10) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace jwtd::testing
