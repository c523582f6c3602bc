// A real `jwtd serve` child process for integration tests: its own temp data directory, port 0
// on loopback, the port read from the start banner. Stops with SIGTERM (graceful) or SIGKILL.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace jwtd::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct ProcessResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved
};

// Runs `jwtd <args>` to completion with `env` added to the environment and `input` on stdin.
ProcessResult RunJwtd(const std::vector<std::string>& args,
                      const std::vector<std::pair<std::string, std::string>>& env = {},
                      const std::string& input = {});

class JwtdServer {
 public:
  // Starts `jwtd serve --data-dir <dir> --listen 127.0.0.1:0 <extra>` with cheap Argon2 costs
  // for speed, and waits for the banner. Aborts the test (ADD_FAILURE + throw) if it fails.
  JwtdServer(std::string data_dir, std::vector<std::string> extra_args = {},
             std::vector<std::pair<std::string, std::string>> env = {});
  ~JwtdServer();

  std::uint16_t port() const { return port_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& banner() const { return banner_; }
  // Everything the process printed so far (stdout and stderr, from its log file).
  std::string Output() const;

  void Kill();      // SIGKILL, like a crash or power loss
  int Terminate();  // SIGTERM, waits; returns the exit status
  void Restart();   // starts again on the same data dir (new port)
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }  // for signals (SIGHUP) and /proc checks

 private:
  void Start();

  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::vector<std::pair<std::string, std::string>> env_;
  pid_t pid_ = -1;
  std::string log_path_;
  std::uint16_t port_ = 0;
  std::string banner_;
};

}  // namespace jwtd::testing
