// http_exchange_bench: what jwtd's own code costs per GET /v1/me, without the kernel's TCP path.
//
// The request path of src/http/exchange.h, as connection.cc runs it for one request: the raw
// bytes wrk sends (a 450-byte ES256 Bearer token) through Beast's parser with the server's
// limits, the framing check, the conversion to a Request, the client address, routing and the
// handler (bearer authentication through the verified-token cache and the revocation view), the
// metrics, the access log line (into the production sink, writing to /dev/null) and the response
// bytes. Not measured here: Asio's reactor and the socket system calls (scripts/bench.sh measures
// the whole server under wrk, next to a fixed-answer floor server).
//
// The baseline in the same run is BM_ParseOnly: Beast's parser alone on the same bytes, the
// least any Beast server pays for this request. BM_MeExchangeDpop is the same request with a
// DPoP-bound token (RFC 9449): "Authorization: DPoP" and a fresh ES256 proof each time (made
// before the timing starts), so its difference to BM_MeExchange is what a proof costs the server:
// its signature verify, the claim checks and the replay-cache insert.
//
//   http_exchange_bench [--benchmark_repetitions=5 ...]
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "http/access_log.h"
#include "http/address_filter.h"
#include "http/connection.h"
#include "http/csrf.h"
#include "http/exchange.h"
#include "http/forwarded.h"
#include "jwtd/auth/key_ring.h"
#include "jwtd/clock.h"
#include "jwtd/jose/dpop.h"
#include "jwtd/jose/key.h"
#include "jwtd/store/memory_store.h"

// Every operator new in this binary is counted, so the benchmark reports allocations per request.
// GCC pairs the replaced new/delete with malloc/free at inlined call sites and misreads them
// as mismatched.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using jwtd::http::Request;
using jwtd::http::Response;
using jwtd::http::ServerCore;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kPeer = "127.0.0.1";

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "http_exchange_bench: %s\n", what);
  std::exit(1);
}

// Runs one request given as raw bytes through the exchange functions; deferred jobs inline.
Response Exchange(ServerCore& core, std::string_view bytes, std::uint64_t n) {
  jwtd::http::RequestParser parser;
  jwtd::http::ApplyLimits(core.api.options, parser);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec || !parser.is_done()) Fail("request does not parse");
  if (jwtd::http::FramingError(parser.get())) Fail("request framing refused");
  jwtd::http::BeastRequest in = parser.release();
  Request request = jwtd::http::ToRequest(in, kPeer, "bench-" + std::to_string(n));
  jwtd::http::ClientOrigin origin =
      jwtd::http::ResolveClient(core.trusted_proxies, kPeer, false, request);
  request.client_address = std::move(origin.address);
  std::size_t route = 0;
  jwtd::http::Outcome outcome = jwtd::http::RouteRequest(core, request, route);
  Response response = outcome.deferred()
                          ? jwtd::http::RunDeferred(outcome.job(), request.request_id)
                          : std::move(outcome.response());
  core.metrics.RecordRequest(route, response.status, 1000);
  core.access_log.Write(request.request_id, request.client_address, request.method,
                        core.metrics.RouteName(route), response.status, 1, response.body.size());
  std::string wire =
      jwtd::http::SerializeResponse(std::move(response), request.request_id, false, false);
  benchmark::DoNotOptimize(wire);
  response.status = std::atoi(wire.c_str() + 9);
  return response;
}

std::string Post(std::string_view path, std::string_view json) {
  return std::string("POST ") + std::string(path) +
         " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(json.size()) + "\r\n\r\n" + std::string(json);
}

// A server core over the in-memory store with one user logged in, as `jwtd serve` builds it;
// the access log goes to the production sink on /dev/null.
struct World {
  jwtd::ManualClock clock{kNow};
  std::filesystem::path dir;
  std::unique_ptr<jwtd::auth::KeyRing> keys;
  std::unique_ptr<jwtd::auth::Store> store = jwtd::store::NewMemoryStore();
  std::unique_ptr<jwtd::auth::TokenService> tokens;
  std::unique_ptr<ServerCore> core;
  std::string me_request;                  // wrk's GET /v1/me, byte for byte in shape
  std::vector<std::string> dpop_requests;  // GET /v1/me with a bound token, each its own proof

  World() {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    if (null_fd < 0) Fail("open /dev/null");
    ::dup2(null_fd, STDERR_FILENO);  // the access sink writes to fd 2
    spdlog::set_level(spdlog::level::warn);
    spdlog::register_logger(
        jwtd::http::MakeAccessLogger(jwtd::http::LogFormat::kText, spdlog::level::info));
    char templ[] = "/tmp/jwtd-exchange-bench.XXXXXX";
    if (mkdtemp(templ) == nullptr) Fail("mkdtemp");
    dir = templ;
    jwtd::auth::KeyRingOptions ko;
    ko.directory = (dir / "keys").string();
    ko.verify.issuer = "http://127.0.0.1:8080";
    ko.verify.audiences = {"jwtd"};
    auto ring = jwtd::auth::KeyRing::Open(ko, &clock);
    if (!ring.ok()) Fail("key ring");
    keys = std::move(*ring);
    jwtd::auth::AuthOptions auth;
    auth.password.ops_limit = 1;
    auth.password.mem_limit_bytes = 8 * 1024;
    auto service =
        jwtd::auth::TokenService::Create(auth, {store.get(), keys.get(), &clock, nullptr});
    if (!service.ok()) Fail("token service");
    tokens = std::move(*service);
    jwtd::http::ServerOptions o;
    o.worker_threads = 1;
    o.csrf_key = std::string(jwtd::http::kCsrfKeyBytes, 'k');
    o.dpop.mode = jwtd::auth::DpopMode::kOptional;  // bearer tokens still pass: BM_MeExchange
    o.dpop.replay_entries = 4'000'000;
    auto allow = jwtd::http::AddressFilter::Create(o.metrics_allow);
    auto proxies = jwtd::http::AddressFilter::Create(o.trusted_proxies);
    if (!allow.ok() || !proxies.ok()) Fail("address filters");
    core = std::make_unique<ServerCore>(
        std::move(o),
        jwtd::http::ServerDeps{tokens.get(), keys.get(), store.get(), nullptr, &clock, nullptr},
        std::move(*allow), std::move(*proxies), nullptr);
    const std::string credentials = R"({"username":"u1","password":"pw-123456789"})";
    if (Exchange(*core, Post("/v1/users", credentials), 0).status != 201) Fail("register");
    const std::string login = ExchangeBody(Post("/v1/login", credentials));
    auto token = boost::json::parse(login).as_object().at("access_token").as_string();
    me_request = "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer " +
                 std::string(token) + "\r\n\r\n";
    MakeDpopRequests(credentials);
  }

  // A login bound to a fresh ES256 key, then kDpopRequests GET /v1/me with their own proofs.
  void MakeDpopRequests(const std::string& credentials) {
    auto key = jwtd::jose::Key::Generate(jwtd::jose::Alg::kES256);
    if (!key.ok()) Fail("dpop key");
    auto proof =
        jwtd::jose::SignDpopProof(**key, "POST", "http://127.0.0.1:8080/v1/login", kNow, "login");
    if (!proof.ok()) Fail("dpop login proof");
    std::string login = Post("/v1/login", credentials);
    login.insert(login.find("\r\n") + 2, "DPoP: " + *proof + "\r\n");
    const std::string body = ExchangeBody(login);
    const std::string token(boost::json::parse(body).as_object().at("access_token").as_string());
    for (int i = 0; i < kDpopRequests; ++i) {
      auto p = jwtd::jose::SignDpopProof(**key, "GET", "http://127.0.0.1:8080/v1/me", kNow,
                                         "me-" + std::to_string(i), token);
      if (!p.ok()) Fail("dpop proof");
      dpop_requests.push_back(
          "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: DPoP " + token +
          "\r\nDPoP: " + *p + "\r\n\r\n");
    }
  }
  static constexpr int kDpopRequests = 30'000;
  ~World() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::string ExchangeBody(const std::string& bytes) {
    jwtd::http::RequestParser parser;
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(bytes), ec);
    Request request = jwtd::http::ToRequest(parser.get(), kPeer, "setup");
    std::size_t route = 0;
    auto outcome = jwtd::http::RouteRequest(*core, request, route);
    Response r = outcome.deferred() ? jwtd::http::RunDeferred(outcome.job(), "setup")
                                    : std::move(outcome.response());
    if (r.status != 200) Fail("login");
    return r.body;
  }
};

World& GetWorld() {
  static World world;
  return world;
}

void BM_MeExchange(benchmark::State& state) {
  World& w = GetWorld();
  std::uint64_t n = 0;
  const std::uint64_t before = g_allocations.load();
  for (auto _ : state) {
    if (Exchange(*w.core, w.me_request, ++n).status != 200) Fail("GET /v1/me refused");
  }
  state.counters["allocs_per_req"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_MeExchange);

// GET /v1/me with a DPoP-bound token and a new proof each time (a proof is good once: the
// iterations stop at the number made).
void BM_MeExchangeDpop(benchmark::State& state) {
  World& w = GetWorld();
  static std::size_t next = 0;  // proofs already spent by earlier repetitions
  std::uint64_t n = 0;
  for (auto _ : state) {
    if (next >= w.dpop_requests.size()) Fail("out of DPoP proofs: lower --benchmark_min_time");
    if (Exchange(*w.core, w.dpop_requests[next++], ++n).status != 200) {
      Fail("GET /v1/me with DPoP refused");
    }
  }
  state.counters["request_bytes"] = static_cast<double>(w.dpop_requests[0].size());
}
BENCHMARK(BM_MeExchangeDpop)->Iterations(5'000);

// Baseline: Beast's parser alone on the same bytes.
void BM_ParseOnly(benchmark::State& state) {
  World& w = GetWorld();
  for (auto _ : state) {
    jwtd::http::RequestParser parser;
    jwtd::http::ApplyLimits(w.core->api.options, parser);
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(w.me_request), ec);
    benchmark::DoNotOptimize(parser.get());
  }
}
BENCHMARK(BM_ParseOnly);

// One access-log line in each layout of log.format (0: text, 1: json), into the production sink
// on /dev/null: the cost a request pays for its line.
void BM_AccessLogLine(benchmark::State& state) {
  const int null_fd = ::open("/dev/null", O_WRONLY);
  if (null_fd < 0) Fail("open /dev/null");
  const auto format =
      state.range(0) == 0 ? jwtd::http::LogFormat::kText : jwtd::http::LogFormat::kJson;
  {
    const jwtd::http::AccessLog log(
        jwtd::http::MakeAccessLogger(format, spdlog::level::info, null_fd));
    for (auto _ : state) {
      log.Write("Xq3vT9aB-17", "192.0.2.7", "GET", "/v1/sessions/{id}", 200, 42, 187);
    }
  }  // the sink's writer has finished before the descriptor closes
  ::close(null_fd);
  state.SetLabel(format == jwtd::http::LogFormat::kText ? "text" : "json");
}
BENCHMARK(BM_AccessLogLine)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
