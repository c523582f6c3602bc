// dpop_replay_bench: the DPoP replay cache (src/auth/dpop_replay_cache.h) — the cost of recording
// one proof, and its memory for 1 M proofs in one window (the figure), next to a
// node-based std::unordered_set of the same 16-byte keys in the same run (the baseline).
//
//   dpop_replay_bench [--benchmark_repetitions=5 ...]
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "auth/dpop_replay_cache.h"

namespace {

constexpr std::size_t kProofs = 1'000'000;
const std::string kJkt = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

// Heap bytes in use (glibc), to measure what a structure really holds, allocator overhead
// included.
std::size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

void BM_ReplayCacheInsert(benchmark::State& state) {
  jwtd::auth::DpopReplayCache cache(65, 4 * kProofs);
  std::uint64_t i = 0;
  for (auto _ : state) {
    auto r = cache.Add(kJkt, std::to_string(++i), 1000);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ReplayCacheInsert)->Iterations(kProofs);

// 1 M proofs in one generation: bytes per proof, as the cache counts them and as the heap does.
void BM_ReplayCacheMemory1M(benchmark::State& state) {
  for (auto _ : state) {
    const std::size_t before = HeapInUse();
    jwtd::auth::DpopReplayCache cache(65, 2 * kProofs);
    for (std::size_t i = 0; i < kProofs; ++i) cache.Add(kJkt, std::to_string(i), 1000);
    state.counters["bytes_per_proof"] =
        static_cast<double>(cache.bytes()) / static_cast<double>(kProofs);
    state.counters["heap_bytes_per_proof"] =
        static_cast<double>(HeapInUse() - before) / static_cast<double>(kProofs);
  }
}
BENCHMARK(BM_ReplayCacheMemory1M)->Iterations(1)->Unit(benchmark::kMillisecond);

// Baseline: the same 1 M 16-byte keys in a std::unordered_set.
struct KeyHash {
  std::size_t operator()(const std::array<std::uint64_t, 2>& k) const { return k[0]; }
};
void BM_UnorderedSetMemory1M(benchmark::State& state) {
  for (auto _ : state) {
    const std::size_t before = HeapInUse();
    std::unordered_set<std::array<std::uint64_t, 2>, KeyHash> set;
    for (std::uint64_t i = 0; i < kProofs; ++i) {
      set.insert({i * 0x9E3779B97F4A7C15ull, i});
    }
    state.counters["heap_bytes_per_proof"] =
        static_cast<double>(HeapInUse() - before) / static_cast<double>(kProofs);
  }
}
BENCHMARK(BM_UnorderedSetMemory1M)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
