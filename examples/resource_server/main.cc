// resource_server — an API that trusts jwtd's access tokens without calling jwtd per request.
//
// Every request is checked locally by jwtd's own access check (jwtd::auth::AccessChecker, the
// same code as jwtd's GET /v1/me): the signature against jwtd's JWKS, the claims, the lifetime
// cap (exp - iat <= --access-ttl, jwtd's tokens.access_ttl), then revocation against an
// in-memory auth::RevocationView that RevocationSync keeps in step with jwtd's durable
// revocation log (the same PostgreSQL or SQLite store), fed by its Redis bus or polling the log.
// A token logged out or revoked at jwtd is refused here within milliseconds; while the bus is
// down or the view is behind, the check reads the store first (or refuses), so a revoked token
// is never accepted because a message was lost.
//
//   GET /hello   200 {"sub":"..."} | 401 WWW-Authenticate: Bearer error="invalid_token"
//   GET /readyz  200/503 {"revocation_view":"in_sync|catching_up|stale"}
//
// A plain single-threaded Boost.Beast server, one request per connection: enough for an
// example, not a production front end.
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "jwtd/auth/access_checker.h"
#include "jwtd/auth/revocation_sync.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/verifier.h"
#include "jwtd/store/postgres_store.h"
#include "jwtd/store/redis_bus.h"
#include "jwtd/store/sqlite_store.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr char kUsage[] =
    "usage: resource_server --issuer URL --store-url URL [--bus-url redis://...]\n"
    "  [--jwks URL|FILE] [--audience AUD] [--listen HOST:PORT] [--channel NAME]\n"
    "  [--stale-mode check|refuse] [--staleness-bound-ms N] [--access-ttl SECONDS]\n";

struct Options {
  std::string listen = "127.0.0.1:8081";
  std::string issuer;             // expected iss; the JWKS defaults to <issuer>/.well-known/…
  std::string jwks;               // http://… URL or a file with {"keys":[…]}
  std::string audience = "jwtd";  // jwtd's default tokens.audience
  std::string store_url;          // postgres[ql]://… or an SQLite file (jwtd.db)
  std::string bus_url;            // redis://…; empty: no bus, the store is read when stale
  std::string channel = "jwtd:revocations";
  std::string stale_mode = "check";  // check: read the store when stale; refuse: 503
  std::int64_t staleness_bound_ms = 1000;
  std::int64_t access_ttl = 900;  // jwtd's tokens.access_ttl: no token may live longer
};

bool ParseInt(std::string_view text, std::int64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseOptions(int argc, char** argv, Options* o) {
  std::map<std::string, std::string*> strings = {
      {"--listen", &o->listen},     {"--issuer", &o->issuer},        {"--jwks", &o->jwks},
      {"--audience", &o->audience}, {"--store-url", &o->store_url},  {"--bus-url", &o->bus_url},
      {"--channel", &o->channel},   {"--stale-mode", &o->stale_mode}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--staleness-bound-ms") {
      if (!ParseInt(argv[i + 1], &o->staleness_bound_ms)) return false;
    } else if (name == "--access-ttl") {
      if (!ParseInt(argv[i + 1], &o->access_ttl) || o->access_ttl <= 0) return false;
    } else if (auto it = strings.find(name); it != strings.end()) {
      *it->second = argv[i + 1];
    } else {
      return false;
    }
  }
  if (argc % 2 == 0 || o->issuer.empty() || o->store_url.empty()) return false;
  if (o->jwks.empty()) o->jwks = o->issuer + "/.well-known/jwks.json";
  return o->stale_mode == "check" || o->stale_mode == "refuse";
}

// ---------------------------------------------------------------------------------------------
// JWKS: fetched over plain HTTP (put a TLS-terminating proxy or a file in front of an https
// issuer: this example does not link a TLS client) or read from a file.

struct HttpUrl {
  std::string host, port = "80", target = "/";
};

bool ParseHttpUrl(const std::string& url, HttpUrl* out) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return false;
  const std::string rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out->target = rest.substr(slash);
  const std::size_t colon = authority.rfind(':');
  out->host = authority.substr(0, colon);
  if (colon != std::string::npos) out->port = authority.substr(colon + 1);
  return !out->host.empty();
}

// GET url; the body of a 200, or "" with *error set.
std::string HttpGet(const HttpUrl& url, std::string* error) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  tcp::socket socket(io);
  if (!ec) asio::connect(socket, endpoints, ec);
  if (ec) {
    *error = "cannot connect to " + url.host + ":" + url.port + ": " + ec.message();
    return {};
  }
  timeval timeout{.tv_sec = 5, .tv_usec = 0};  // a hung issuer must not hang the start
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::accept, "application/json");
  http::write(socket, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec) http::read(socket, buffer, res, ec);
  if (ec || res.result() != http::status::ok) {
    *error = ec ? "JWKS fetch failed: " + ec.message()
                : "JWKS fetch answered " + std::to_string(res.result_int());
    return {};
  }
  return std::move(res.body());
}

std::string ReadJwksText(const std::string& source, std::string* error) {
  HttpUrl url;
  if (ParseHttpUrl(source, &url)) return HttpGet(url, error);
  std::ifstream in(source);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) *error = "cannot read " + source;
  return in ? text.str() : std::string();
}

// The verifier and the key set behind it, for the AccessChecker. Refetch() re-reads the JWKS
// when a token names an unknown kid (jwtd rotated its key), at most once per kRefetchInterval so
// a flood of tokens with made-up kids cannot turn into a flood of JWKS fetches. The verifier is
// swapped atomically; Refetch runs on the serving thread only.
class Keys final : public jwtd::auth::VerifierSource {
 public:
  explicit Keys(Options options) : options_(std::move(options)) {}

  bool Load(std::string* error) {
    last_fetch_ = std::chrono::steady_clock::now();
    const std::string text = ReadJwksText(options_.jwks, error);
    if (text.empty()) return false;
    auto keys = jwtd::jose::KeySet::FromJwks(text);
    if (!keys.ok()) {
      *error = "bad JWKS: " + keys.error().message();
      return false;
    }
    jwtd::jose::VerifyOptions verify;
    verify.issuer = options_.issuer;
    if (!options_.audience.empty()) verify.audiences = {options_.audience};
    auto verifier = jwtd::jose::Verifier::Create(*keys, verify, jwtd::SystemClock());
    if (!verifier.ok()) {
      *error = verifier.error().message();
      return false;
    }
    std::atomic_store(&verifier_,
                      std::shared_ptr<const jwtd::jose::Verifier>(std::move(*verifier)));
    return true;
  }

  std::shared_ptr<const jwtd::jose::Verifier> verifier() const override {
    return std::atomic_load(&verifier_);
  }

  // True when the JWKS was read again (so a check refused for an unknown kid may be retried).
  bool Refetch() {
    if (std::chrono::steady_clock::now() - last_fetch_ < kRefetchInterval) return false;
    std::string error;
    if (Load(&error)) return true;
    std::fprintf(stderr, "resource_server: %s\n", error.c_str());
    return false;
  }

 private:
  static constexpr std::chrono::seconds kRefetchInterval{10};
  Options options_;
  std::shared_ptr<const jwtd::jose::Verifier> verifier_;
  std::chrono::steady_clock::time_point last_fetch_;
};

// ---------------------------------------------------------------------------------------------
// Revocation: the store (durable log), the view, the sync and the bus, as in a jwtd node.

struct Revocation {
  std::unique_ptr<jwtd::auth::Store> store;
  std::unique_ptr<jwtd::auth::RevocationView> view;
  std::unique_ptr<jwtd::auth::RevocationSync> sync;
  std::unique_ptr<jwtd::store::RedisBus> bus;  // stopped before the sync goes
  std::unique_ptr<jwtd::auth::AccessChecker> checker;
};

jwtd::Result<std::unique_ptr<jwtd::auth::Store>> OpenStore(const std::string& url) {
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    // A reader needs few connections: catch-ups are single-flight.
    return jwtd::store::OpenPostgresStore({.url = url, .pool_size = 2}, jwtd::SystemClock());
  }
  return jwtd::store::OpenSqliteStore({.path = url}, jwtd::SystemClock());
}

jwtd::Result<void> OpenRevocation(const Options& o, Revocation* r) {
  auto store = OpenStore(o.store_url);
  if (!store.ok()) return store.error();
  r->store = std::move(*store);
  r->view = jwtd::auth::RevocationView::Create({});  // denylist and versions, as jwtd's default
  jwtd::auth::RevocationSyncOptions sync_options;
  // With a bus its messages apply at once; without, the log is polled (every 200 ms).
  sync_options.source =
      o.bus_url.empty() ? jwtd::auth::SyncSource::kPoll : jwtd::auth::SyncSource::kBus;
  sync_options.staleness_bound_ms = o.staleness_bound_ms;
  sync_options.stale_mode =
      o.stale_mode == "refuse" ? jwtd::auth::StaleMode::kRefuse : jwtd::auth::StaleMode::kCheck;
  auto sync = jwtd::auth::RevocationSync::Create(sync_options, &r->store->revocation_log(),
                                                 r->view.get(), jwtd::SystemClock());
  if (!sync.ok()) return sync.error();
  r->sync = std::move(*sync);
  if (auto loaded = r->sync->CatchUp(); !loaded.ok()) return loaded.error();
  r->sync->Start();  // follows the log (and drops expired entries) from now on
  if (o.bus_url.empty()) return {};
  jwtd::store::RedisBusOptions bus_options;
  bus_options.url = o.bus_url;
  bus_options.channel = o.channel;
  bus_options.node_id = "resource-server";
  // Listen only: the jwtd nodes announce the store's max seq; their heartbeats keep this view
  // verified. With no jwtd node up, the view goes stale and the store is read instead.
  bus_options.heartbeat_interval_ms = 0;
  auto key =
      r->store->revocation_log().BusKey();  // the HMAC key of the bus, shared through the store
  if (!key.ok()) return key.error();
  bus_options.key = std::move(*key);
  bus_options.idle_probe_ms = std::max<std::int64_t>(o.staleness_bound_ms / 2, 50);
  bus_options.command_timeout_ms = bus_options.idle_probe_ms;
  auto bus = jwtd::store::OpenRedisBus(bus_options, r->sync.get(), {}, jwtd::SystemClock());
  if (!bus.ok()) return bus.error();
  r->bus = std::move(*bus);
  return {};
}

// ---------------------------------------------------------------------------------------------
// HTTP

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response JsonResponse(http::status status, const boost::json::object& body) {
  Response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(false);
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

// RFC 6750 §3: no error code when no credentials came, invalid_token when they were bad. The
// reason goes to the log (never the token): the client learns only that it was refused.
Response Unauthorized(bool token_present, const jwtd::Error& why = {jwtd::Code::kUnauthenticated,
                                                                    jwtd::Reason::kNone}) {
  if (token_present) {
    std::fprintf(stderr, "resource_server: 401 %s\n",
                 std::string(ReasonName(why.reason())).c_str());
  }
  Response res = JsonResponse(http::status::unauthorized,
                              {{"error", token_present ? "invalid_token" : "unauthorized"}});
  res.set(http::field::www_authenticate, token_present
                                             ? R"(Bearer realm="example", error="invalid_token")"
                                             : R"(Bearer realm="example")");
  return res;
}

std::string_view BearerToken(const Request& req) {
  const std::string_view value = req[http::field::authorization];
  constexpr std::string_view kPrefix = "Bearer ";
  if (value.size() <= kPrefix.size() || !beast::iequals(value.substr(0, 7), kPrefix)) return {};
  return value.substr(kPrefix.size());
}

Response Hello(const Request& req, Keys& keys, Revocation& revocation) {
  const std::string_view token = BearerToken(req);
  if (token.empty()) return Unauthorized(false);
  auto claims = revocation.checker->Check(token);
  if (!claims.ok() && claims.error().reason() == jwtd::Reason::kUnknownKid && keys.Refetch()) {
    claims = revocation.checker->Check(token);
  }
  if (!claims.ok()) {
    // A view that may be behind is not trusted: caught up from the store first (check mode) or
    // refused (refuse mode) — 503, since the token itself may be fine.
    if (claims.error().code() == jwtd::Code::kUnavailable) {
      Response res =
          JsonResponse(http::status::service_unavailable, {{"error", "temporarily_unavailable"}});
      res.set(http::field::retry_after, "1");
      return res;
    }
    return Unauthorized(true, claims.error());
  }
  return JsonResponse(http::status::ok, {{"sub", (*claims)->sub()}});
}

Response Route(const Request& req, Keys& keys, Revocation& revocation) {
  if (req.method() != http::verb::get) {
    return JsonResponse(http::status::method_not_allowed, {{"error", "method_not_allowed"}});
  }
  if (req.target() == "/hello") return Hello(req, keys, revocation);
  if (req.target() == "/readyz") {
    const jwtd::auth::Freshness f = revocation.sync->freshness();
    const bool ready = f.state == jwtd::auth::SyncState::kInSync;
    return JsonResponse(ready ? http::status::ok : http::status::service_unavailable,
                        {{"revocation_view", jwtd::auth::SyncStateName(f.state)},
                         {"lag_ms", f.lag_ms},
                         {"applied_seq", f.applied_seq}});
  }
  return JsonResponse(http::status::not_found, {{"error", "not_found"}});
}

void Serve(tcp::socket socket, Keys& keys, Revocation& revocation) {
  timeval timeout{.tv_sec = 5, .tv_usec = 0};  // a silent client must not stall the server
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(16 * 1024);
  beast::error_code ec;
  http::read(socket, buffer, parser, ec);
  if (ec) return;
  Response res = Route(parser.get(), keys, revocation);
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

// SIGINT/SIGTERM: wakes the blocked accept() by shutting the listening socket down.
std::atomic<bool> g_stopping{false};

std::thread StopOnSignal(const sigset_t& signals, int listen_fd) {
  return std::thread([signals, listen_fd] {
    int signal = 0;
    sigwait(&signals, &signal);
    g_stopping = true;
    ::shutdown(listen_fd, SHUT_RDWR);
  });
}

bool Listen(const std::string& listen, tcp::acceptor* acceptor, std::string* error) {
  const std::size_t colon = listen.rfind(':');
  beast::error_code ec;
  std::int64_t port = -1;
  const auto address = asio::ip::make_address(listen.substr(0, colon), ec);
  if (colon == std::string::npos || ec || !ParseInt(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    *error = "bad --listen " + listen;
    return false;
  }
  const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) *error = "cannot listen on " + listen + ": " + ec.message();
  return !ec;
}

int Run(const Options& options) {
  // Blocked before any thread starts (the bus and the store pool start threads), so every
  // thread inherits the mask and only the sigwait() thread sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::string error;
  Keys keys(options);
  if (!keys.Load(&error)) {
    std::fprintf(stderr, "resource_server: %s\n", error.c_str());
    return 1;
  }
  Revocation revocation;
  if (auto opened = OpenRevocation(options, &revocation); !opened.ok()) {
    std::fprintf(stderr, "resource_server: revocation view: %s\n",
                 opened.error().message().c_str());
    return 1;
  }
  auto checker = jwtd::auth::AccessChecker::Create({.max_lifetime_seconds = options.access_ttl},
                                                   &keys, revocation.view.get(),
                                                   revocation.sync.get(), jwtd::SystemClock());
  if (!checker.ok()) {
    std::fprintf(stderr, "resource_server: %s\n", checker.error().message().c_str());
    return 1;
  }
  revocation.checker = std::move(*checker);
  asio::io_context io;
  tcp::acceptor acceptor(io);
  if (!Listen(options.listen, &acceptor, &error)) {
    std::fprintf(stderr, "resource_server: %s\n", error.c_str());
    return 1;
  }
  std::thread stopper = StopOnSignal(signals, acceptor.native_handle());
  std::printf("resource_server listening on http://%s:%u\n",
              acceptor.local_endpoint().address().to_string().c_str(),
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  while (!g_stopping) {
    beast::error_code ec;
    tcp::socket socket = acceptor.accept(ec);
    if (!ec) Serve(std::move(socket), keys, revocation);
  }
  stopper.join();
  if (revocation.bus) revocation.bus->Stop();
  revocation.sync->Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, &options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return Run(options);
}
