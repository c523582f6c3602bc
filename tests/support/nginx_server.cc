#include "support/nginx_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace jwtd::testing {
namespace {

constexpr const char kBinary[] = "/usr/sbin/nginx";
constexpr auto kReadyTimeout = std::chrono::seconds(20);
constexpr int kLaunchAttempts = 3;

// The recipe of docs/gateways.md with the test's ports and directory. The sub-request is never
// cached (no proxy_cache): a cached check would keep admitting a revoked token.
constexpr const char kConfig[] = R"(worker_processes 1;
pid @DIR@/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path @DIR@/client_body;
  proxy_temp_path @DIR@/proxy;
  fastcgi_temp_path @DIR@/fastcgi;
  uwsgi_temp_path @DIR@/uwsgi;
  scgi_temp_path @DIR@/scgi;

  upstream jwtd { server 127.0.0.1:@JWTD@; keepalive 8; }

  server {
    listen 127.0.0.1:@PORT@;

    location = /_jwtd_authz {
      internal;
      proxy_pass http://jwtd/v1/authz;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
    location = /_jwtd_authz_admin {
      internal;
      proxy_pass http://jwtd/v1/authz?scope=admin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }

    location / {
      auth_request /_jwtd_authz;
      include @DIR@/jwtd_identity.conf;
    }
    location /admin/ {
      auth_request /_jwtd_authz_admin;
      include @DIR@/jwtd_identity.conf;
    }

    location @jwtd_401 {
      # auth_request already copied jwtd's WWW-Authenticate onto a 401.
      add_header Cache-Control no-store always;
      default_type application/json;
      return 401 '{"error":"invalid_token"}\n';
    }
    location @jwtd_403 {
      add_header WWW-Authenticate $jwtd_challenge always;
      add_header Cache-Control no-store always;
      default_type application/json;
      return 403 '{"error":"insufficient_scope"}\n';
    }
  }

  server {
    listen 127.0.0.1:@UPSTREAM@;
    location / {
      default_type text/plain;
      return 200 "sub=$http_x_jwtd_sub sid=$http_x_jwtd_sid scope=$http_x_jwtd_scope user=$http_x_jwtd_username\n";
    }
  }
}
)";

// What every protected location repeats: the identity copied from jwtd's answer (an empty
// value removes the header, so a client cannot send its own X-Jwtd-*), the refusals.
constexpr const char kIdentity[] = R"(auth_request_set $jwtd_sub $upstream_http_x_jwtd_sub;
auth_request_set $jwtd_sid $upstream_http_x_jwtd_sid;
auth_request_set $jwtd_scope $upstream_http_x_jwtd_scope;
auth_request_set $jwtd_username $upstream_http_x_jwtd_username;
auth_request_set $jwtd_challenge $upstream_http_www_authenticate;
error_page 401 = @jwtd_401;
error_page 403 = @jwtd_403;
proxy_set_header X-Jwtd-Sub $jwtd_sub;
proxy_set_header X-Jwtd-Sid $jwtd_sid;
proxy_set_header X-Jwtd-Scope $jwtd_scope;
proxy_set_header X-Jwtd-Username $jwtd_username;
proxy_pass http://127.0.0.1:@UPSTREAM@;
)";

std::string Fill(std::string text, const std::string& key, const std::string& value) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    text.replace(at, key.size(), value);
    at += value.size();
  }
  return text;
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

bool WriteFile(const std::string& path, const std::string& text, const RunAs& run_as,
               std::string* error) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) {
    *error = "cannot write " + path;
    return false;
  }
  return Chown(path, run_as, error);
}

}  // namespace

std::unique_ptr<NginxServer> NginxServer::Start(int jwtd_port, std::string* error) {
  if (!std::filesystem::exists(kBinary)) {
    *error =
        "nginx not found at /usr/sbin/nginx: install the 'nginx' package "
        "(scripts/install-deps.sh)";
    return nullptr;
  }
  std::unique_ptr<NginxServer> server(new NginxServer());
  if (!ResolveRunAs(&server->run_as_, error) ||
      !MakeTempDir("jwtd-nginx-", server->run_as_, &server->dir_, error)) {
    return nullptr;
  }
  server->log_path_ = server->dir_ + "/nginx.log";
  if (!WriteFile(server->log_path_, "", server->run_as_, error)) return nullptr;
  for (int attempt = 1;; ++attempt) {
    server->port_ = FreeLoopbackPort();
    server->upstream_port_ = FreeLoopbackPort();
    if (server->Launch(jwtd_port, error) && server->WaitReady(error)) break;
    server->Stop();
    if (attempt == kLaunchAttempts) return nullptr;
  }
  return server;
}

NginxServer::~NginxServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool NginxServer::Launch(int jwtd_port, std::string* error) {
  std::string config = Fill(kConfig, "@DIR@", dir_);
  config = Fill(config, "@JWTD@", std::to_string(jwtd_port));
  config = Fill(config, "@PORT@", std::to_string(port_));
  config = Fill(config, "@UPSTREAM@", std::to_string(upstream_port_));
  config_ = dir_ + "/nginx.conf";
  const std::string identity = Fill(kIdentity, "@UPSTREAM@", std::to_string(upstream_port_));
  if (!WriteFile(config_, config, run_as_, error) ||
      !WriteFile(dir_ + "/jwtd_identity.conf", identity, run_as_, error)) {
    return false;
  }
  // -e stderr: the compiled-in error log (/var/log/nginx) is opened before the config is read.
  pid_ = Spawn({kBinary, "-e", "stderr", "-p", dir_, "-c", config_, "-g",
                "daemon off; error_log stderr warn;"},
               log_path_, run_as_, error);
  return pid_ > 0;
}

bool NginxServer::WaitReady(std::string* error) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Accepts(port_) && Accepts(upstream_port_)) return true;
    if (Exited(pid_)) {
      pid_ = -1;
      *error = "nginx exited while starting: " + LogTail(log_path_);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "nginx did not accept connections within 20 s: " + LogTail(log_path_);
  return false;
}

void NginxServer::Stop() {
  if (pid_ <= 0) return;
  StopProcess(pid_, SIGTERM, std::chrono::seconds(10));
  pid_ = -1;
}

}  // namespace jwtd::testing
