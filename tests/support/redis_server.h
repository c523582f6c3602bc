// jwtd::testing::RedisServer — a real, private redis-server for tests (Debian's
// /usr/bin/redis-server): 127.0.0.1 on a free port, no persistence (--save '' --appendonly
// no), a temp working dir; as root it runs as the system user jwtd-test. The destructor stops
// it and removes its directory. A missing binary is an error, never a reason to skip.
// Not thread-safe: drive it from the test's main thread (process.h says why).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "support/process.h"

namespace jwtd::testing {

class RedisServer {
 public:
  // Starts and waits until it answers PING. nullptr on failure, with the reason in *error.
  static std::unique_ptr<RedisServer> Start(std::string* error);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // redis://127.0.0.1:PORT
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // SIGTERM, waits for the exit. Idempotent.
  void Stop();
  // Stop(), then start again on the same port (empty: nothing is persisted).
  bool Restart(std::string* error);
  // SIGKILL: a crash.
  void Kill();
  // SIGSTOP / SIGCONT: a hung server (its sockets stay open, nothing answers).
  void Pause();
  void Resume();

 private:
  RedisServer() = default;
  bool Launch(std::string* error);
  bool WaitReady(std::string* error);

  std::string dir_;
  std::string log_path_;
  std::string url_;
  RunAs run_as_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Sends "PING" to 127.0.0.1:port and returns whether "+PONG" came back within ~1 s.
bool RedisPing(int port);

}  // namespace jwtd::testing
