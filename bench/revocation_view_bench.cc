// The request-path revocation check and the verified-token cache, with their baselines in the
// same binary: a Redis GET round trip on loopback (what a networked denylist costs per request)
// and an uncached ES256 verify (what the cache saves).
//
// Targets: full Check (jti + sid + version) <= 100 ns with 1,000,000 denied jtis loaded, and
// those 1,000,000 jtis in <= 64 MiB (counters: approx_bytes from Stats() and rss_delta_bytes
// from /proc/self/statm around the load). Needs redis-server on PATH: exits non-zero without it.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/verified_token_cache.h"
#include "jwtd/auth/revocation_view.h"
#include "jwtd/clock.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"
#include "jwtd/store/redis_replay_ledger.h"

namespace {

using jwtd::auth::RevocationEntry;
using jwtd::auth::RevocationKind;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr int kDeniedJtis = 1'000'000;
constexpr int kEndedSessions = 10'000;
constexpr int kBumpedUsers = 10'000;
constexpr int kClaimsPool = 4'096;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "revocation_view_bench: FATAL: %s\n", why.c_str());
  std::exit(2);
}

std::string Numbered(std::string_view prefix, std::int64_t i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

std::size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Signs and verifies access-token claims (HS256: cheap to mint many).
class Minter {
 public:
  Minter() : clock_(kNow) {
    std::shared_ptr<const jwtd::jose::Key> key = std::move(
        *jwtd::jose::Key::FromSecret(std::string(32, 's'), jwtd::jose::Alg::kHS256, "bench"));
    signer_ = std::move(*jwtd::jose::Signer::Create(key));
    verifier_ =
        std::move(*jwtd::jose::Verifier::Create(*jwtd::jose::KeySet::Of({key}), {}, &clock_));
  }
  jwtd::jose::Claims Make(std::int64_t user, const std::string& jti, const std::string& sid,
                          std::int64_t ver) {
    std::string json = R"({"sub":")";
    json.append(std::to_string(user)).append(R"(","jti":")").append(jti);
    json.append(R"(","sid":")").append(sid).append(R"(","ver":)").append(std::to_string(ver));
    json.append(R"(,"exp":)").append(std::to_string(kNow + 900)).append("}");
    auto claims = verifier_->Verify(*signer_->Sign(json));
    if (!claims.ok()) Die("cannot mint claims: " + claims.error().message());
    return *claims;
  }

 private:
  jwtd::ManualClock clock_;
  std::unique_ptr<jwtd::jose::Signer> signer_;
  std::unique_ptr<jwtd::jose::Verifier> verifier_;
};

// The view with 1 M denied jtis (expiring over the next 15 minutes), ended sessions and bumped
// users, and a pool of live tokens' claims that pass every check (the common request).
struct LoadedView {
  LoadedView() {
    const std::size_t rss_before = RssBytes();
    view = jwtd::auth::RevocationView::Create({});
    std::int64_t seq = 0;
    for (int i = 0; i < kDeniedJtis; ++i) {
      view->Apply(
          {++seq, RevocationKind::kJti, Numbered("denied-jti-", i), 0, kNow + i % 900, kNow});
    }
    rss_delta_jtis = RssBytes() - rss_before;
    approx_bytes_jtis = view->Stats().approx_bytes;
    for (int i = 0; i < kEndedSessions; ++i) {
      view->Apply(
          {++seq, RevocationKind::kSession, Numbered("ended-sid-", i), 0, kNow + 900, kNow});
    }
    for (int i = 0; i < kBumpedUsers; ++i) {
      view->Apply({++seq, RevocationKind::kUserVersion, std::to_string(i), 3, kNow + 900, kNow});
    }
    Minter minter;
    for (int i = 0; i < kClaimsPool; ++i) {
      pool.push_back(minter.Make(i * 7 % (2 * kBumpedUsers), Numbered("live-jti-", i),
                                 Numbered("live-sid-", i), 3));
    }
    if (!view->Check(pool[0]).ok()) Die("a live token was refused");
    if (view->Check(minter.Make(1, "denied-jti-5", "s", 3)).ok()) Die("a denied jti passed");
  }
  std::unique_ptr<jwtd::auth::RevocationView> view;
  std::vector<jwtd::jose::Claims> pool;
  std::size_t rss_delta_jtis = 0;
  std::size_t approx_bytes_jtis = 0;
};

LoadedView& Loaded() {
  static LoadedView* loaded = new LoadedView();  // built once, on first use; never freed
  return *loaded;
}

void BM_Check_1MDenied(benchmark::State& state) {
  LoadedView& l = Loaded();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 997;
  for (auto _ : state) {
    auto r = l.view->Check(l.pool[i++ % l.pool.size()]);
    benchmark::DoNotOptimize(r);
  }
  // Averaged over threads: the view is one, whatever the thread count.
  const auto avg = [](double v) { return benchmark::Counter(v, benchmark::Counter::kAvgThreads); };
  state.counters["approx_bytes"] = avg(static_cast<double>(l.approx_bytes_jtis));
  state.counters["rss_delta_bytes"] = avg(static_cast<double>(l.rss_delta_jtis));
  state.counters["approx_MiB"] = avg(static_cast<double>(l.approx_bytes_jtis) / (1 << 20));
  state.counters["rss_delta_MiB"] = avg(static_cast<double>(l.rss_delta_jtis) / (1 << 20));
}
BENCHMARK(BM_Check_1MDenied)->Threads(1)->Threads(2);

// The parts of a Check: one jti probe (digest + shard lock + lookup) and one version probe.
void BM_Part_JtiProbe(benchmark::State& state) {
  LoadedView& l = Loaded();
  std::size_t i = 0;
  for (auto _ : state) {
    bool denied = l.view->IsJtiDenied(l.pool[i++ % l.pool.size()].jti());
    benchmark::DoNotOptimize(denied);
  }
}
BENCHMARK(BM_Part_JtiProbe);

void BM_Part_VersionProbe(benchmark::State& state) {
  LoadedView& l = Loaded();
  std::int64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(l.view->MinVersion(i++ % (2 * kBumpedUsers)));
}
BENCHMARK(BM_Part_VersionProbe);

void BM_Part_SipHash128(benchmark::State& state) {
  LoadedView& l = Loaded();
  unsigned char key[crypto_shorthash_siphashx24_KEYBYTES] = {7};
  unsigned char out[crypto_shorthash_siphashx24_BYTES];
  std::size_t i = 0;
  for (auto _ : state) {
    const auto jti = l.pool[i++ % l.pool.size()].jti();
    crypto_shorthash_siphashx24(out, reinterpret_cast<const unsigned char*>(jti.data()), jti.size(),
                                key);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Part_SipHash128);

// A denied token: refused on the first lookup (cost includes building the Error).
void BM_Check_DeniedJti(benchmark::State& state) {
  LoadedView& l = Loaded();
  Minter minter;
  const auto denied = minter.Make(1, "denied-jti-77", "s", 3);
  for (auto _ : state) {
    auto r = l.view->Check(denied);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Check_DeniedJti);

// Lock choice: uncontended cost of the shard lock (std::shared_mutex) next to std::mutex.
template <typename Mutex, bool kShared>
void BM_LockPair(benchmark::State& state) {
  static Mutex mu;
  for (auto _ : state) {
    if constexpr (kShared) {
      mu.lock_shared();
      mu.unlock_shared();
    } else {
      mu.lock();
      mu.unlock();
    }
  }
}
BENCHMARK(BM_LockPair<std::shared_mutex, true>)
    ->Name("BM_Lock/shared_mutex_shared")
    ->Threads(1)
    ->Threads(2);
BENCHMARK(BM_LockPair<std::mutex, false>)->Name("BM_Lock/mutex")->Threads(1)->Threads(2);

// --- Redis baseline: a GET round trip to a redis-server child on loopback ------------------

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Die("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

class RedisServer {
 public:
  RedisServer() : port_(FreePort()) {
    const std::string port = std::to_string(port_);
    std::vector<std::string> args = {"redis-server", "--port",     port,     "--bind",
                                     "127.0.0.1",    "--save",     "",       "--appendonly",
                                     "no",           "--loglevel", "warning"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its banner and warnings would drown the results: stdout and stderr go to /dev/null.
    posix_spawn_file_actions_t quiet;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&quiet, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int spawned =
        ::posix_spawnp(&pid_, "redis-server", &quiet, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&quiet);
    if (spawned != 0) {
      Die("redis-server is not installed or not on PATH (apt-get install redis-server)");
    }
    for (int i = 0; i < 100 && ctx_ == nullptr; ++i) {
      redisContext* c = redisConnect("127.0.0.1", port_);
      if (c != nullptr && c->err == 0) {
        ctx_ = c;
        break;
      }
      if (c != nullptr) redisFree(c);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) Die("redis-server exited at start");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (ctx_ == nullptr) Die("redis-server did not accept connections within 5 s");
    Command("SET revoked:jti:bench 1");
  }
  ~RedisServer() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }
  void Command(const char* command) {
    auto* reply = static_cast<redisReply*>(redisCommand(ctx_, command));
    if (reply == nullptr) Die("redis command failed");
    freeReplyObject(reply);
  }

 private:
  int port_;
  pid_t pid_ = 0;
  redisContext* ctx_ = nullptr;
};

// One server for every case that needs one; stopped at exit.
RedisServer& Redis() {
  static RedisServer redis;
  return redis;
}

void BM_RedisGetRoundTrip(benchmark::State& state) {
  RedisServer& redis = Redis();
  for (auto _ : state) redis.Command("GET revoked:jti:bench");
}
BENCHMARK(BM_RedisGetRoundTrip)->UseRealTime();

// The shared DPoP replay claim (store/redis_replay_ledger.h): one SET NX PX per proof, what a
// DPoP request adds on a node with bus.url; against the GET round trip above in the same run.
// With threads: claims from several workers at once, each on a pooled connection.
void BM_DpopLedgerClaim(benchmark::State& state) {
  static auto ledger = [] {
    jwtd::store::RedisReplayLedgerOptions o;
    o.url = "redis://127.0.0.1:" + std::to_string(Redis().port());
    auto opened = jwtd::store::OpenRedisReplayLedger(o);
    if (!opened.ok()) Die("cannot open the ledger");
    return std::move(*opened);
  }();
  static std::atomic<std::uint64_t> next{0};  // every key new, across runs and threads
  for (auto _ : state) {
    auto first = ledger->Claim("bench-" + std::to_string(next.fetch_add(1)), 65);
    if (!first.ok() || !*first) Die("claim failed");
  }
}
BENCHMARK(BM_DpopLedgerClaim)->UseRealTime()->Threads(1)->Threads(4);

// --- Verified-token cache: ES256 verify skipped on a hit -----------------------------------

struct Es256 {
  Es256() : clock(kNow) {
    std::shared_ptr<const jwtd::jose::Key> key =
        std::move(*jwtd::jose::Key::Generate(jwtd::jose::Alg::kES256));
    signer = std::move(*jwtd::jose::Signer::Create(key));
    verifier = std::move(*jwtd::jose::Verifier::Create(*jwtd::jose::KeySet::Of({key}), {}, &clock));
    std::string json = R"({"iss":"http://127.0.0.1:8080","aud":"jwtd","sub":"42",)";
    json.append(R"("jti":"Vq3cJ0uL7gH2bYk9xQ1mZw","sid":"p0Zr8kQm3LxV2nWc7yTg4A","ver":1,)");
    json.append(R"("scope":"openid profile","iat":)").append(std::to_string(kNow));
    json.append(R"(,"exp":)").append(std::to_string(kNow + 900)).append("}");
    token = *signer->Sign(json);
  }
  jwtd::ManualClock clock;
  std::unique_ptr<jwtd::jose::Signer> signer;
  std::unique_ptr<jwtd::jose::Verifier> verifier;
  std::string token;
};

void BM_VerifyES256_Uncached(benchmark::State& state) {
  Es256 es;
  for (auto _ : state) {
    auto claims = es.verifier->Verify(es.token);
    if (!claims.ok()) Die("verify failed");
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_VerifyES256_Uncached);

// What the request path does on a hit: cache lookup, then the claims checks that always run.
void BM_VerifyES256_Cached(benchmark::State& state) {
  Es256 es;
  jwtd::auth::VerifiedTokenCache cache(100'000, &es.clock);
  cache.Insert(es.token,
               std::make_shared<const jwtd::jose::Claims>(*es.verifier->VerifySignature(es.token)));
  for (auto _ : state) {
    auto claims = cache.Find(es.token);
    if (claims == nullptr || !es.verifier->ValidateClaims(*claims).ok()) Die("cache miss");
    benchmark::DoNotOptimize(claims);
  }
  state.counters["token_bytes"] = static_cast<double>(es.token.size());
}
BENCHMARK(BM_VerifyES256_Cached)->Threads(1)->Threads(2);

// Cache key choice: a SHA-256 digest of the token (what the cache does) versus a fast hash
// plus a byte comparison with a stored copy of the token (the alternative).
void BM_CacheKey_Sha256(benchmark::State& state) {
  Es256 es;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  for (auto _ : state) {
    SHA256(reinterpret_cast<const unsigned char*>(es.token.data()), es.token.size(), digest);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(BM_CacheKey_Sha256);

void BM_CacheKey_FastHashPlusCompare(benchmark::State& state) {
  Es256 es;
  const std::string stored = es.token;
  for (auto _ : state) {
    std::size_t h = std::hash<std::string_view>{}(es.token);
    benchmark::DoNotOptimize(h);
    bool same = stored.size() == es.token.size() &&
                std::memcmp(stored.data(), es.token.data(), stored.size()) == 0;
    benchmark::DoNotOptimize(same);
  }
}
BENCHMARK(BM_CacheKey_FastHashPlusCompare);

void BM_CacheKey_SipHashPlusCompare(benchmark::State& state) {
  Es256 es;
  const std::string stored = es.token;
  unsigned char key[crypto_shorthash_KEYBYTES] = {1, 2, 3};
  for (auto _ : state) {
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, reinterpret_cast<const unsigned char*>(es.token.data()), es.token.size(),
                     key);
    benchmark::DoNotOptimize(h);
    bool same = stored.size() == es.token.size() &&
                std::memcmp(stored.data(), es.token.data(), stored.size()) == 0;
    benchmark::DoNotOptimize(same);
  }
}
BENCHMARK(BM_CacheKey_SipHashPlusCompare);

}  // namespace

BENCHMARK_MAIN();
