// jwtd::testing::PostgresServer — a real, private PostgreSQL server for tests: Debian's
// binaries (/usr/lib/postgresql/<version>/bin, newest version found), a temp data dir and a
// temp unix-socket dir, 127.0.0.1 on a free port, trust auth for loopback and the socket only,
// fsync and synchronous_commit on. As root the server runs as the system user jwtd-test
// (created if missing). The destructor stops it and removes its directories.
//
// Each GoogleTest case runs as its own process, so a server starts per test: its data dir is a
// copy (cp -a, ~0.1 s) of a template cluster that the first server on the machine builds
// (initdb, kDatabase created, clean shutdown; ~1.5 s) and renames into place in the temp dir,
// one per PostgreSQL version and server user.
//
// Missing binaries are an error (Start() fails with a message naming the package), never a
// reason to skip. Not thread-safe: drive it from the test's main thread (process.h says why).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "support/process.h"

namespace jwtd::testing {

class PostgresServer {
 public:
  // The database that Start() creates; url() points at it.
  static constexpr const char* kDatabase = "jwtd_test";
  static constexpr const char* kUser = "jwtd";

  // A fresh cluster holding an empty kDatabase, started and accepting connections. nullptr on
  // failure, with the reason (and the server log's tail) in *error.
  static std::unique_ptr<PostgresServer> Start(std::string* error);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://jwtd@127.0.0.1:PORT/jwtd_test
  const std::string& url() const { return url_; }
  // The URL of another database on this server; `schema` non-empty sets the search_path.
  std::string UrlFor(const std::string& database, const std::string& schema = "") const;
  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

  // Runs SQL (several statements allowed) in `database` as the superuser. On failure returns
  // false with the server's message in *error.
  bool Exec(const std::string& database, const std::string& sql, std::string* error) const;
  bool CreateDatabase(const std::string& name, std::string* error) const;
  // Runs a one-value query; "" with *error set on failure.
  std::string QueryValue(const std::string& database, const std::string& sql,
                         std::string* error) const;

  // Fast shutdown (SIGINT: clients are disconnected, data flushed). Idempotent.
  void Stop();
  // Stop(), then start again on the same port and data dir (URLs stay valid).
  bool Restart(std::string* error);
  // SIGKILL to the postmaster: a crash. Restart() recovers from the WAL.
  void Kill();

 private:
  PostgresServer() = default;
  // The template cluster's path (built if missing) for this PostgreSQL and server user.
  static bool EnsureTemplate(const std::string& bin_dir, const RunAs& run_as, std::string* path,
                             std::string* error);
  bool MakeDirs(std::string* error);  // base, data (empty), socket dirs and the log
  bool InitDb(std::string* error);
  bool LaunchOnFreePort(std::string* error);
  bool Launch(std::string* error);
  bool WaitReady(std::string* error);
  std::string Conninfo(const std::string& database) const;

  std::string bin_dir_;
  std::string base_dir_;  // holds data/, sock/ and postgres.log
  std::string data_dir_;
  std::string sock_dir_;
  std::string log_path_;
  std::string url_;
  RunAs run_as_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The directory of the newest installed PostgreSQL server binaries, or "" if none.
std::string FindPostgresBinDir();

}  // namespace jwtd::testing
