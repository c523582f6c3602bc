#!/usr/bin/env bash
# The revocation feed's benchmarks (docs/benchmarks.md "Revocation feed"): propagation from a
# logout's 204 to FOLLOWERS SSE followers on one node (p50/p99, the node's memory and CPU per
# follower), and the catch-up of a restarting follower over ENTRIES live entries by paging (raw
# pages and the Node SDK's createVerifier), medians of three. Runs against the Release build.
#
#   scripts/bench-feed.sh [--followers N] [--logouts K] [--entries M]   (defaults 1000, 50, 1000000)
#
# Prints the results as JSON and writes them to build/bench-results/feed-<stamp>.json. Needs
# node (and sdk/node's npm dependencies: installed from its lockfile when missing).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bin=${JWTD:-build/release/src/cli/jwtd}
if [[ ${NO_BUILD:-0} != 1 ]]; then ./scripts/build.sh release jwtd >/dev/null; fi
[[ -x $bin ]] || { echo "bench-feed: $bin not found" >&2; exit 1; }
if [[ ! -d sdk/node/node_modules/jose ]]; then
  (cd sdk/node && npm ci --no-audit --no-fund --loglevel=error)
fi
# 1,000 followers and the benchmark's own sockets: more descriptors than the common 1024.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
mkdir -p build/bench-results
out=build/bench-results/feed-$(date -u +%Y%m%dT%H%M%SZ).json
node bench/feed/feed_bench.mjs "$bin" --json "$out" "$@"
echo "bench-feed: wrote $out" >&2
