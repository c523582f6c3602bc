#include "support/postgres_server.h"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

namespace jwtd::testing {
namespace {

namespace fs = std::filesystem;

constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr int kLaunchAttempts = 3;  // a free port may be taken before the server binds it

// PostgreSQL's own test harness (pg_regress) trusts local connections the same way; nothing
// listens beyond 127.0.0.1 and the private socket dir.
constexpr const char kHba[] =
    "local all all trust\n"
    "host all all 127.0.0.1/32 trust\n";

// Bump when the template's contents change (kHba, initdb's arguments, the databases in it), so
// that a template left by an older build is not used.
constexpr const char kTemplateFormat[] = "v1";

std::string LastLine(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

std::string FindPostgresBinDir() {
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const fs::path bin = entry.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "postgres")) continue;
    if (std::stoi(name) > best_version) {
      best_version = std::stoi(name);
      best = bin.string();
    }
  }
  return best;
}

std::unique_ptr<PostgresServer> PostgresServer::Start(std::string* error) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_dir_ = FindPostgresBinDir();
  if (server->bin_dir_.empty()) {
    *error =
        "PostgreSQL server binaries not found (/usr/lib/postgresql/<version>/bin/{initdb,"
        "postgres}): install the 'postgresql' package (scripts/install-deps.sh)";
    return nullptr;
  }
  if (!ResolveRunAs(&server->run_as_, error) || !server->MakeDirs(error)) return nullptr;
  std::string template_dir;
  if (!EnsureTemplate(server->bin_dir_, server->run_as_, &template_dir, error)) return nullptr;
  // The copy runs as the server's user: the template and the data dir are its own, 0700.
  if (RunToExit({"/bin/cp", "-a", template_dir + "/.", server->data_dir_}, server->log_path_,
                server->run_as_, error) != 0) {
    if (error->empty()) *error = "cp " + template_dir + ": " + LogTail(server->log_path_);
    return nullptr;
  }
  if (!server->LaunchOnFreePort(error)) return nullptr;
  server->url_ = server->UrlFor(kDatabase);
  return server;
}

bool PostgresServer::EnsureTemplate(const std::string& bin_dir, const RunAs& run_as,
                                    std::string* path, std::string* error) {
  const uid_t owner = run_as.drop ? run_as.uid : getuid();
  *path = (fs::temp_directory_path() /
           ("jwtd-pg-template-" + fs::path(bin_dir).parent_path().filename().string() + "-" +
            std::to_string(owner) + "-" + kTemplateFormat))
              .string();
  // Only a complete template is ever at *path (it is renamed into place), but the name is
  // predictable: use it only if it is the server user's own private directory.
  struct stat info {};
  if (lstat(path->c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode) && info.st_uid == owner && (info.st_mode & 077) == 0 &&
        fs::exists(*path + "/global/pg_control")) {
      return true;
    }
    *error = *path + " exists but is not a PostgreSQL template owned by uid " +
             std::to_string(owner) + " with mode 0700: remove it";
    return false;
  }
  std::unique_ptr<PostgresServer> builder(new PostgresServer());
  builder->bin_dir_ = bin_dir;
  builder->run_as_ = run_as;
  if (!builder->MakeDirs(error) || !builder->InitDb(error) || !builder->LaunchOnFreePort(error) ||
      !builder->CreateDatabase(kDatabase, error)) {
    return false;
  }
  builder->Stop();  // a clean shutdown: the copies start without crash recovery
  std::error_code ec;
  fs::rename(builder->data_dir_, *path, ec);
  // Another test process may have renamed its own template into place first: use that one.
  if (ec && !fs::exists(*path + "/global/pg_control")) {
    *error = "rename " + builder->data_dir_ + " to " + *path + ": " + ec.message();
    return false;
  }
  return true;
}

PostgresServer::~PostgresServer() {
  // Immediate shutdown: the data dir is deleted next, so the shutdown checkpoint (seconds of
  // fsync of a cluster initdb did not sync) would be wasted.
  if (pid_ > 0) StopProcess(pid_, SIGQUIT, std::chrono::seconds(10));
  pid_ = -1;
  if (!base_dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(base_dir_, ignored);
  }
}

bool PostgresServer::MakeDirs(std::string* error) {
  if (!MakeTempDir("jwtd-pg-", run_as_, &base_dir_, error)) return false;
  data_dir_ = base_dir_ + "/data";
  sock_dir_ = base_dir_ + "/sock";
  log_path_ = base_dir_ + "/postgres.log";
  for (const std::string& dir : {data_dir_, sock_dir_}) {
    std::error_code ec;
    fs::create_directory(dir, ec);
    fs::permissions(dir, fs::perms::owner_all, ec);
    if (ec || !Chown(dir, run_as_, error)) {
      if (error->empty()) *error = "mkdir " + dir + ": " + ec.message();
      return false;
    }
  }
  std::ofstream(log_path_).flush();
  return Chown(log_path_, run_as_, error);
}

bool PostgresServer::InitDb(std::string* error) {
  // --no-sync only skips initdb's own final fsync of the fresh cluster; the server runs with
  // fsync on.
  const int status = RunToExit({bin_dir_ + "/initdb", "-D", data_dir_, "-U", kUser, "-A", "trust",
                                "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                               log_path_, run_as_, error);
  if (status != 0) {
    *error = "initdb failed (" + std::to_string(status) + "): " + LogTail(log_path_);
    return false;
  }
  const std::string hba = data_dir_ + "/pg_hba.conf";
  std::ofstream(hba, std::ios::trunc) << kHba;
  return Chown(hba, run_as_, error);
}

bool PostgresServer::LaunchOnFreePort(std::string* error) {
  for (int attempt = 1;; ++attempt) {
    port_ = FreeLoopbackPort();
    if (Launch(error) && WaitReady(error)) return true;
    Stop();
    if (attempt == kLaunchAttempts) return false;
  }
}

bool PostgresServer::Launch(std::string* error) {
  pid_ = Spawn({bin_dir_ + "/postgres", "-D", data_dir_, "-p", std::to_string(port_), "-h",
                "127.0.0.1", "-k", sock_dir_, "-c", "fsync=on", "-c", "synchronous_commit=on", "-c",
                "shared_buffers=32MB", "-c", "max_connections=100"},
               log_path_, run_as_, error);
  return pid_ > 0;
}

bool PostgresServer::WaitReady(std::string* error) {
  const std::string conninfo = Conninfo("postgres") + " connect_timeout=2";
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return true;
    if (Exited(pid_)) {
      pid_ = -1;
      *error = "postgres exited while starting: " + LogTail(log_path_);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *error = "postgres did not accept connections within 30 s: " + LogTail(log_path_);
  return false;
}

std::string PostgresServer::Conninfo(const std::string& database) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + kUser + " dbname=" + database;
}

std::string PostgresServer::UrlFor(const std::string& database, const std::string& schema) const {
  std::string url =
      "postgresql://" + std::string(kUser) + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
  if (!schema.empty()) url += "?options=-csearch_path%3D" + schema;
  return url;
}

bool PostgresServer::Exec(const std::string& database, const std::string& sql,
                          std::string* error) const {
  PGconn* conn = PQconnectdb(Conninfo(database).c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    PQclear(result);
  }
  if (!ok) *error = LastLine(PQerrorMessage(conn));
  PQfinish(conn);
  return ok;
}

std::string PostgresServer::QueryValue(const std::string& database, const std::string& sql,
                                       std::string* error) const {
  PGconn* conn = PQconnectdb(Conninfo(database).c_str());
  std::string value;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    } else {
      *error = LastLine(PQerrorMessage(conn));
    }
    PQclear(result);
  } else {
    *error = LastLine(PQerrorMessage(conn));
  }
  PQfinish(conn);
  return value;
}

bool PostgresServer::CreateDatabase(const std::string& name, std::string* error) const {
  return Exec("postgres", "CREATE DATABASE \"" + name + "\"", error);
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  StopProcess(pid_, SIGINT, std::chrono::seconds(30));
  pid_ = -1;
}

void PostgresServer::Kill() {
  if (pid_ <= 0) return;
  (void)SignalAndWait(pid_, SIGKILL, std::chrono::seconds(10));
  pid_ = -1;
}

bool PostgresServer::Restart(std::string* error) {
  Stop();
  // After Kill() the old backends may hold the shared memory a moment longer: try again.
  for (int attempt = 1;; ++attempt) {
    if (Launch(error) && WaitReady(error)) return true;
    Stop();
    if (attempt == 20) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace jwtd::testing
