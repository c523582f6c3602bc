// The revocation check as the denylist grows: BM_Check/<N> runs the full request-path Check
// (jti + sid + version) on live tokens against a view holding N denied jtis, N from 0 to
// 1,000,000 (scripts/bench.sh draws the curve). Counters: bytes_per_entry (the view's own
// Stats().approx_bytes) and rss_bytes_per_entry (/proc/self/statm around the load), both per
// denied jti; 0 when N is 0.
//
// A live token's jti is never in the view, so every Check probes the jti shard for a miss: the
// case every ordinary request pays. Hash maps keep that flat; the curve shows whether cache
// misses make it grow with N.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "jwtd/auth/revocation_view.h"
#include "jwtd/clock.h"
#include "jwtd/jose/jwks.h"
#include "jwtd/jose/signer.h"
#include "jwtd/jose/verifier.h"

namespace {

using jwtd::auth::RevocationEntry;
using jwtd::auth::RevocationKind;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr int kClaimsPool = 4'096;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "denylist_scaling_bench: FATAL: %s\n", why.c_str());
  std::exit(2);
}

std::size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Live tokens' claims (HS256: cheap to mint); every one passes every check.
std::vector<jwtd::jose::Claims> LiveClaims() {
  jwtd::ManualClock clock(kNow);
  std::shared_ptr<const jwtd::jose::Key> key = std::move(
      *jwtd::jose::Key::FromSecret(std::string(32, 's'), jwtd::jose::Alg::kHS256, "bench"));
  auto signer = std::move(*jwtd::jose::Signer::Create(key));
  auto verifier =
      std::move(*jwtd::jose::Verifier::Create(*jwtd::jose::KeySet::Of({key}), {}, &clock));
  std::vector<jwtd::jose::Claims> pool;
  for (int i = 0; i < kClaimsPool; ++i) {
    std::string json = R"({"sub":")" + std::to_string(i) + R"(","jti":"live-jti-)" +
                       std::to_string(i) + R"(","sid":"live-sid-)" + std::to_string(i) +
                       R"(","ver":1,"exp":)" + std::to_string(kNow + 900) + "}";
    auto claims = verifier->Verify(*signer->Sign(json));
    if (!claims.ok()) Die("cannot mint claims");
    pool.push_back(std::move(*claims));
  }
  return pool;
}

void BM_Check(benchmark::State& state) {
  const auto denied = state.range(0);
  static const std::vector<jwtd::jose::Claims> pool = LiveClaims();
  const std::size_t rss_before = RssBytes();
  auto view = jwtd::auth::RevocationView::Create({});
  for (std::int64_t i = 0; i < denied; ++i) {
    // Expiries spread over the access-token lifetime, as real denials are.
    view->Apply(
        {i + 1, RevocationKind::kJti, "denied-jti-" + std::to_string(i), 0, kNow + i % 900, kNow});
  }
  const std::size_t rss_delta = RssBytes() - rss_before;
  const std::size_t approx = view->Stats().approx_bytes;
  if (!view->Check(pool[0]).ok()) Die("a live token was refused");
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = view->Check(pool[i++ % pool.size()]);
    benchmark::DoNotOptimize(r);
  }
  const double n = denied > 0 ? static_cast<double>(denied) : 1.0;
  state.counters["denied"] = static_cast<double>(denied);
  state.counters["bytes_per_entry"] = denied > 0 ? static_cast<double>(approx) / n : 0.0;
  state.counters["rss_bytes_per_entry"] = denied > 0 ? static_cast<double>(rss_delta) / n : 0.0;
}
// Fixed iterations: the view is rebuilt on every call of the function, so the iteration-count
// estimation of Google Benchmark (several calls) would reload 1,000,000 entries each time.
BENCHMARK(BM_Check)->Arg(0)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Iterations(
    2'000'000);

}  // namespace

BENCHMARK_MAIN();
