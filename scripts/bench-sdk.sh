#!/usr/bin/env bash
# The SDKs' benchmarks (docs/benchmarks.md "SDKs"), each against its same-run baseline:
#  - sdk/node: verify() on a cached token vs jose.jwtVerify, the revocation check alone, and an
#    Express app with the middleware vs the same app with jose only (wrk, against a real jwtd);
#  - sdk/python: verify() vs PyJWT's jwt.decode on the same token, following a real jwtd.
# Medians of several runs; prints each benchmark's own report. Runs against the Release build.
#   scripts/bench-sdk.sh
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
bin=${JWTD:-build/release/src/cli/jwtd}
if [[ ${NO_BUILD:-0} != 1 ]]; then ./scripts/build.sh release jwtd >/dev/null; fi
[[ -x $bin ]] || { echo "bench-sdk: $bin not found" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench-sdk: wrk is missing (apt-get install wrk)" >&2; exit 1; }
if [[ ! -d sdk/node/node_modules/express ]]; then
  (cd sdk/node && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "=== sdk/node: verify() vs jose.jwtVerify"
(cd sdk/node && node bench/verify.mjs 7)
echo "=== sdk/node: Express with the middleware vs jose only (wrk)"
(cd sdk/node && node bench/http.mjs "$top/$bin" 5 3)
echo "=== sdk/python: verify() vs jwt.decode"
/usr/bin/python3 sdk/python/bench/verify_bench.py --jwtd "$bin" --runs 7
