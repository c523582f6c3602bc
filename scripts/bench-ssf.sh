#!/usr/bin/env bash
# The Shared Signals push benchmarks (docs/benchmarks.md "Shared Signals push"): SETs/s pushed
# to a local receiver that verifies each one with PyJWT, and a logout's latency with and without
# dead push receivers configured, alternated in the same run. Runs against the Release build.
#
#   scripts/bench-ssf.sh [--sets N] [--logouts K] [--runs R]   (defaults 5000, 1000, 3)
#
# Prints the results as JSON and writes them to build/bench-results/ssf-<stamp>.json.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bin=${JWTD:-build/release/src/cli/jwtd}
if [[ ${NO_BUILD:-0} != 1 ]]; then ./scripts/build.sh release jwtd >/dev/null; fi
[[ -x $bin ]] || { echo "bench-ssf: $bin not found" >&2; exit 1; }
/usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null ||
  { echo "bench-ssf: /usr/bin/python3 needs PyJWT and cryptography (python3-jwt)" >&2; exit 1; }
mkdir -p build/bench-results
out=build/bench-results/ssf-$(date -u +%Y%m%dT%H%M%SZ).json
/usr/bin/python3 bench/ssf/ssf_bench.py "$bin" --json "$out" "$@"
echo "bench-ssf: wrote $out" >&2
