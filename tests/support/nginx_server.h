// jwtd::testing::NginxServer — a real, private nginx for tests (Debian's /usr/sbin/nginx) in
// front of jwtd, configured as docs/gateways.md shows: every request to the gateway port is
// checked with auth_request against jwtd's GET /v1/authz, the identity headers are passed on,
// and the upstream is a second server block of the same nginx that echoes the X-Jwtd-* headers
// it received ("sub=<..> sid=<..> scope=<..>"). /admin/ requires the scope "admin".
//
// 127.0.0.1 on free ports, a generated config with its pid file and temp paths in a temp dir;
// as root it runs as the system user jwtd-test (no privileged master, no `user` directive). The
// destructor stops it and removes its directory. A missing binary is an error, never a skip.
// Not thread-safe: drive it from the test's main thread (process.h says why).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "support/process.h"

namespace jwtd::testing {

class NginxServer {
 public:
  // Starts nginx in front of jwtd on 127.0.0.1:jwtd_port and waits until the gateway port
  // accepts connections. nullptr on failure, with the reason in *error.
  static std::unique_ptr<NginxServer> Start(int jwtd_port, std::string* error);
  ~NginxServer();
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  int port() const { return port_; }  // the gateway
  const std::string& config() const { return config_; }
  // nginx's own log (stderr), for failure messages.
  std::string Log() const { return LogTail(log_path_); }

  // SIGTERM (fast shutdown), waits for the exit. Idempotent.
  void Stop();

 private:
  NginxServer() = default;
  bool Launch(int jwtd_port, std::string* error);
  bool WaitReady(std::string* error);

  std::string dir_;
  std::string log_path_;
  std::string config_;
  RunAs run_as_;
  int port_ = 0;
  int upstream_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace jwtd::testing
