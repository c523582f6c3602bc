#include "app/serve.h"

#include <arpa/inet.h>
#include <fmt/core.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/maintenance.h"
#include "app/runtime.h"
#include "app/ssf_pusher.h"
#include "http/csrf.h"
#include "http/log_line.h"
#include "http/server.h"
#include "jwtd/jose/alg.h"
#include "jwtd/random.h"
#include "jwtd/store/redis_replay_ledger.h"

namespace jwtd::app {
namespace {

// "127.0.0.1:8080" or "[::1]:8080" -> address and port.
bool SplitListen(const std::string& listen, std::string* address, std::uint16_t* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *address = listen.substr(0, colon);
  if (address->size() >= 2 && address->front() == '[' && address->back() == ']') {
    *address = address->substr(1, address->size() - 2);
  }
  std::string_view digits = std::string_view(listen).substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *port);
  return ec == std::errc() && end == digits.data() + digits.size() && !address->empty();
}

// web.root empty: the page next to the binary (<prefix>/bin/jwtd -> <prefix>/share/jwtd/web, so a
// relocated install finds its own copy), then the configured install prefix, then the checkout
// the binary was built from. The first folder with an index.html wins; "" when none has one.
std::string DefaultWebRoot() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share" / "jwtd" / "web");
#ifdef JWTD_WEB_INSTALL_DIR
  candidates.emplace_back(JWTD_WEB_INSTALL_DIR);
#endif
#ifdef JWTD_WEB_SOURCE_DIR
  candidates.emplace_back(JWTD_WEB_SOURCE_DIR);
#endif
  for (const auto& dir : candidates) {
    if (fs::is_regular_file(dir / "index.html", ec)) return dir.string();
  }
  return "";
}

http::ServerOptions ServerOptionsOf(const Config& config) {
  http::ServerOptions options;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = config.max_body_bytes;
  options.max_header_bytes = config.max_header_bytes;
  options.read_timeout = std::chrono::milliseconds(config.read_timeout_ms);
  options.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  options.max_queued_jobs = config.max_queued_jobs;
  options.max_connections = config.max_connections;
  options.max_stream_buffer_bytes = config.max_stream_buffer_bytes;
  options.cookie_secure = config.cookie_secure;
  options.trusted_proxies = config.trusted_proxies;
  options.tls_cert_file = config.tls_cert_file;
  options.tls_key_file = config.tls_key_file;
  options.metrics_allow = config.metrics_allow;
  for (const auto& client : config.introspection_clients) {
    options.introspection_clients.push_back({client.id, client.secret});
  }
  for (const auto& client : config.feed_clients) {
    options.feed_clients.push_back({client.id, client.secret});
  }
  options.feed_allow = config.feed_allow;
  for (const auto& client : config.admin_clients) {
    options.admin_clients.push_back({client.id, client.secret});
  }
  options.admin_allow = config.admin_allow;
  options.authz_scope = config.authz_scope;
  options.authz_cookie_sessions = config.authz_cookie_sessions;
  options.authz_username_header = config.authz_username_header;
  options.role = config.role;
  options.has_database = config.verifier_feed_url.empty();
  options.feed_heartbeat_ms = config.feed_heartbeat_ms;
  options.ssf_poll_wait_ms = config.ssf_poll_wait_ms;
  options.dpop = config.dpop;
  // A verifier serves no page: the lab logs in, which a verifier cannot do.
  if (config.web_enabled && config.role == http::ServerRole::kFull) {
    options.web_root = config.web_root.empty() ? DefaultWebRoot() : config.web_root;
  }
  return options;
}

// The CSRF key (http/csrf.h) from the store's bus key, shared by every node of one store, so a
// CSRF token set by one node passes on the others; random bytes when the store keeps no bus key
// (kNotFound: the in-memory store, one process whose sessions die with it). Never logged.
Result<std::string> CsrfKeyOf(auth::RevocationLog& log) {
  auto bus_key = log.BusKey();
  if (bus_key.ok()) return http::DeriveCsrfKey(*bus_key);
  if (bus_key.error().code() != Code::kNotFound) {
    return Error(bus_key.error().code(), bus_key.error().reason(),
                 "cannot read the bus key for the CSRF key: " + bus_key.error().message());
  }
  std::string key(http::kCsrfKeyBytes, '\0');
  RandomBytes({reinterpret_cast<std::uint8_t*>(key.data()), key.size()});
  return key;
}

struct Banner {
  std::string url;  // http://127.0.0.1:8080
  std::string web_root;
};

void PrintTextBanner(const Config& config, const Runtime& runtime, const Banner& banner) {
  fmt::print("jwtd listening on {}\n", banner.url);
  fmt::print("issuer: {}\n", config.auth.issuer);
  for (const auto& key : runtime.keys->List()) {
    fmt::print("key: {} {} {}\n", key.kid, jose::AlgName(key.alg), auth::KeyStateName(key.state));
  }
  fmt::print("role: {}\n", config.role == http::ServerRole::kVerifier
                               ? "verifier (read-only: verifying endpoints only)"
                               : "full");
  if (config.verifier_feed_url.empty()) {
    fmt::print("store: {}\n", StoreKind(config));
  } else {
    fmt::print("store: none (follows the revocation feed and JWKS of {})\n",
               config.verifier_feed_url);
  }
  fmt::print("revocation bus: {}\n", runtime.sync.bus ? "redis"
                                     : runtime.sync.follower
                                         ? "the feed node's stream"
                                         : "none (single node: the store's log is polled)");
  if (!banner.web_root.empty()) {
    fmt::print("logout lab: {}/ (files in {})\n", banner.url, banner.web_root);
  }
  fmt::print("configuration in effect:\n{}\n", DescribeConfig(config));
}

// log.format = "json": the same facts as one JSON object, so every line jwtd writes parses.
void PrintJsonBanner(const Config& config, const Runtime& runtime, const Banner& banner) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - seconds);
  std::string line;
  http::AppendJsonHead(line, seconds.count(), nanos.count(), "info", "jwtd",
                       "jwtd listening on " + banner.url);
  const auto field = [&line](std::string_view name, std::string_view value) {
    line.append(",\"").append(name).append("\":");
    http::AppendJsonString(line, value);
  };
  field("listen", banner.url);
  field("issuer", config.auth.issuer);
  line.append(",\"keys\":[");
  bool first = true;
  for (const auto& key : runtime.keys->List()) {
    line.append(first ? "{\"kid\":" : ",{\"kid\":");
    first = false;
    http::AppendJsonString(line, key.kid);
    line.append(",\"alg\":");
    http::AppendJsonString(line, jose::AlgName(key.alg));
    line.append(",\"state\":");
    http::AppendJsonString(line, auth::KeyStateName(key.state));
    line.push_back('}');
  }
  line.push_back(']');
  field("role", config.role == http::ServerRole::kVerifier ? "verifier" : "full");
  field("store", config.verifier_feed_url.empty() ? StoreKind(config) : "none");
  field("revocation_bus", runtime.sync.bus ? "redis" : runtime.sync.follower ? "feed" : "none");
  field("web_root", banner.web_root);
  field("config", DescribeConfig(config));  // secrets masked
  line.append("}\n");
  fmt::print("{}", line);
}

void PrintBanner(const Config& config, const Runtime& runtime, const std::string& address,
                 std::uint16_t port, const std::string& web_root, bool tls) {
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  const Banner banner{fmt::format("{}://{}:{}", tls ? "https" : "http", host, port), web_root};
  if (config.log_format == "json") {
    PrintJsonBanner(config, runtime, banner);
  } else {
    PrintTextBanner(config, runtime, banner);
  }
  std::fflush(stdout);
}

// SIGHUP: the certificate and key files again. Never the files' contents in the log.
void ReloadTls(http::Server& server) {
  if (!server.tls()) {
    spdlog::info("SIGHUP: nothing to reload (tls.cert_file and tls.key_file are not set)");
    return;
  }
  auto reloaded = server.ReloadTls();
  if (reloaded.ok()) {
    spdlog::info("SIGHUP: TLS certificate and key reloaded; new connections use them");
  } else {
    spdlog::error("SIGHUP: TLS reload failed, the current certificate stays: {}",
                  reloaded.error().message());
  }
}

// SIGINT/SIGTERM/SIGHUP are blocked in every thread and taken here, so no handler runs inside an
// I/O thread; the waiter asks the server to stop gracefully, or reloads TLS and waits again.
std::thread StartSignalWaiter(http::Server* server) {
  return std::thread([server] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);  // sent by ourselves to end the waiter after a stop
    int sig = 0;
    while (sigwait(&set, &sig) != 0 || sig == SIGHUP) {
      if (sig == SIGHUP) ReloadTls(*server);
      sig = 0;
    }
    if (sig != SIGUSR1) {
      spdlog::info("signal {}: finishing in-flight requests", sig);
      server->Stop();
    }
  });
}

bool IsLoopback(const std::string& address) {
  if (address == "localhost" || address == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, address.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

// A core file of this process would hold the signing keys, the TLS key and live tokens.
// setrlimit(RLIMIT_CORE, 0) rather than prctl(PR_SET_DUMPABLE, 0): the latter would also make
// /proc/<pid>/{fd,status,...} root-owned, hiding the process from its operator's own
// monitoring (open descriptors, RSS), and block debuggers the operator may need.
void LimitCoreDumps(const Config& config) {
  if (config.core_dumps) {
    spdlog::warn("server.core_dumps = true: a core file would contain keys and tokens");
    return;
  }
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) {
    spdlog::warn("cannot disable core dumps (setrlimit RLIMIT_CORE): {}", std::strerror(errno));
  }
}

}  // namespace

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit (RLIMIT_FSIZE) or a full quota must surface as a write error (EFBIG) that
  // the store turns into 503s, not kill the server with SIGXFSZ's default action.
  std::signal(SIGXFSZ, SIG_IGN);
}

int Serve(const Config& config) {
  BlockStopSignals();      // idempotent; the caller should have done it before starting threads
  LimitCoreDumps(config);  // before any key is read

  std::string address;
  std::uint16_t port = 0;
  if (!SplitListen(config.listen, &address, &port)) {
    spdlog::error("server.listen: expected ADDRESS:PORT, got \"{}\"", config.listen);
    return 1;
  }
  // First, before anything else can fail: the operator must see it. (Config guarantees both TLS
  // files or neither.)
  if (config.tls_cert_file.empty() && !IsLoopback(address)) {
    spdlog::warn(
        "PLAIN HTTP on non-loopback address {}: access tokens, refresh tokens and passwords "
        "travel in clear; set tls.cert_file and tls.key_file, or listen on 127.0.0.1 behind a "
        "TLS-terminating proxy (server.trusted_proxies)",
        config.listen);
  }
  auto runtime = OpenRuntime(config);
  if (!runtime.ok()) {
    spdlog::error("cannot start: {}", runtime.error().message());
    return 1;
  }
  http::ServerOptions options = ServerOptionsOf(config);
  options.address = address;
  options.port = port;
  options.store_kind = std::string(StoreKind(config));
  auto csrf_key = CsrfKeyOf(runtime->store->revocation_log());
  if (!csrf_key.ok()) {
    spdlog::error("cannot start: {}", csrf_key.error().message());
    return 1;
  }
  options.csrf_key = std::move(*csrf_key);
  // Declared before the server, which holds a pointer to it.
  std::unique_ptr<store::RedisReplayLedger> dpop_ledger;
  if (config.SharesDpopReplay()) {
    store::RedisReplayLedgerOptions ledger;
    ledger.url = config.bus_url;
    ledger.prefix = config.bus_channel + ":dpop:";  // one namespace per deployment, as the bus
    auto opened = store::OpenRedisReplayLedger(ledger);
    if (!opened.ok()) {
      spdlog::error("cannot start: {}", opened.error().message());
      return 1;
    }
    dpop_ledger = std::move(*opened);
    options.dpop.shared_replay = dpop_ledger.get();
  }
  auth::SsfStats ssf_stats;
  http::ServerDeps deps{runtime->tokens.get(),    runtime->keys.get(), runtime->store.get(),
                        runtime->view.get(),      SystemClock(),       runtime->sync.sync.get(),
                        runtime->sync.feed.get(), &ssf_stats};
  auto server = http::Server::Create(options, deps);
  if (!server.ok()) {
    spdlog::error("cannot listen on {}: {}", config.listen, server.error().message());
    return 1;
  }
  PrintBanner(config, *runtime, address, (*server)->port(), options.web_root, (*server)->tls());
  if (config.web_enabled && config.role == http::ServerRole::kFull && options.web_root.empty()) {
    spdlog::warn("web.enabled but no page found (set web.root): / serves nothing");
  }

  runtime->sync.sync->Start();  // follows the store's log from now on
  if (runtime->sync.follower) runtime->sync.follower->Start();
  const bool full = config.role == http::ServerRole::kFull;
  // A verifier serves no feed (not routed) and pushes no Shared Signals (it cannot sign).
  if (auto fed = full ? runtime->sync.feed->Start() : Ok(); !fed.ok()) {
    spdlog::error("cannot start: the revocation feed cannot read the log: {}",
                  fed.error().message());
    return 1;
  }
  Maintenance maintenance(config, *runtime);
  // Push delivery of Shared Signals: its own threads, so no request ever waits on a receiver.
  SsfPushOptions push;
  push.issuer = config.auth.issuer;
  push.timeout = std::chrono::milliseconds(config.ssf_push_timeout_ms);
  push.retry_max = std::chrono::milliseconds(config.ssf_retry_max_ms);
  SsfPusher pusher(push, runtime->store.get(), runtime->keys.get(), SystemClock(), &ssf_stats);
  if (full) pusher.Start();
  std::thread signals = StartSignalWaiter(server->get());
  (*server)->Run();
  pusher.Stop();
  maintenance.Stop();
  if (runtime->sync.follower) runtime->sync.follower->Stop();
  runtime->sync.feed->Stop();
  runtime->sync.sync->Stop();
  ::kill(::getpid(), SIGUSR1);  // ends the signal waiter if the stop came from elsewhere
  signals.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace jwtd::app
