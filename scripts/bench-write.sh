#!/usr/bin/env bash
# Write-path benchmark (docs/benchmarks.md "Write path"): logouts/s and refreshes/s over HTTP,
# wrk -t1 -c$CONNS, a distinct session per request (POST /v1/logout {"refresh_token"}, or
# POST /oauth/token grant_type=refresh_token), on SQLite and on PostgreSQL+Redis (fsync=on,
# synchronous_commit=on). Every run starts a fresh jwtd on a fresh store, seeds its session pool
# through the store API (bench/seed_sessions), warms up for 1 s and measures DURATION.
#
# Same-run A/B: with BASELINE=<a build directory of an earlier commit> (its src/cli/jwtd and
# bench/seed_sessions), every run of this build is preceded by one of the baseline's, so both
# see the same machine state; the medians and the ratio are printed.
#
#   scripts/bench-write.sh [sqlite|postgres|both] [logout|refresh|both]
#
# Env: RUNS (3) DURATION (5s) CONNS (64) POOL (sessions seeded per run, 80000) BASELINE
#      BUILD (this build's directory, default build/release; built if missing)
#      SET (extra "--set k=v" for this build only, space-separated)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stores=${1:-both}
kinds=${2:-both}
RUNS=${RUNS:-3}; DURATION=${DURATION:-5s}; CONNS=${CONNS:-64}; POOL=${POOL:-80000}
case $stores in sqlite | postgres) ;; both) stores="sqlite postgres" ;;
  *) echo "usage: scripts/bench-write.sh [sqlite|postgres|both] [logout|refresh|both]" >&2; exit 2 ;; esac
case $kinds in logout | refresh) ;; both) kinds="logout refresh" ;;
  *) echo "usage: scripts/bench-write.sh [sqlite|postgres|both] [logout|refresh|both]" >&2; exit 2 ;; esac
for tool in wrk curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
BUILD=${BUILD:-$top/build/release}
if [[ ! -x $BUILD/src/cli/jwtd || ! -x $BUILD/bench/seed_sessions ]]; then
  "$top/scripts/build.sh" release jwtd seed_sessions >&2
fi
builds=("$BUILD")
[[ -n ${BASELINE:-} ]] && builds=("$BASELINE" "$BUILD")
for b in "${builds[@]}"; do
  [[ -x $b/src/cli/jwtd && -x $b/bench/seed_sessions ]] ||
    { echo "$b: no src/cli/jwtd or bench/seed_sessions" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/jwtd-bench-write.XXXXXX)
TOP=$top
# shellcheck source=scripts/bench/lib.sh
source "$top/scripts/bench/lib.sh"
# shellcheck source=scripts/bench/services.sh
source "$top/scripts/bench/services.sh"
# shellcheck source=scripts/bench/jwtd.sh
source "$top/scripts/bench/jwtd.sh"
trap 'stop_all; rm -rf "$WORK"' EXIT
if [[ $stores == *postgres* ]]; then
  start_postgres
  start_redis
fi

# one_run build store kind: a fresh node and pool; prints the measured wrk JSON line.
one_run() {
  local build=$1 store=$2 kind=$3 extra=()
  [[ $build == "$BUILD" && -n ${SET:-} ]] && for s in $SET; do extra+=(--set "$s"); done
  JWTD=$build/src/cli/jwtd
  [[ $store == postgres ]] && new_pg_store "w$RANDOM$RANDOM"
  rm -rf "$WORK/node"
  start_jwtd node "$store" '["denylist","version"]' --set log.level=warn "${extra[@]}"
  register_user "$J_BASE"
  login_token "$J_BASE" >/dev/null
  spend_run "$kind" "$POOL" "$build/bench/seed_sessions"
  stop_pid "$J_PID"
}

for store in $stores; do
  for kind in $kinds; do
    for i in $(seq 1 "$RUNS"); do
      for b in "${builds[@]}"; do
        label=$([[ $b == "$BUILD" ]] && echo this || echo baseline)
        echo "$store $kind $label run $i/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        one_run "$b" "$store" "$kind" |
          sed "s/^{/{\"store\":\"$store\",\"kind\":\"$kind\",\"build\":\"$label\",/"
      done
    done
  done
done | /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
out = {}
for r in rows:
    out.setdefault((r["store"], r["kind"]), {}).setdefault(r["build"], []).append(r)
for (store, kind), by in out.items():
    line = {"store": store, "kind": kind}
    for build, rs in by.items():
        line[build] = {k: statistics.median(r[k] for r in rs) for k in ("req_per_s", "p50_ms", "p99_ms")}
        line[build]["runs_req_per_s"] = [round(r["req_per_s"]) for r in rs]
        line[build]["non2xx"] = sum(r["status_other"] for r in rs)
        line[build]["exhausted"] = sum(r["exhausted"] for r in rs)
    if "baseline" in by:
        line["ratio"] = round(line["this"]["req_per_s"] / line["baseline"]["req_per_s"], 2)
    print(json.dumps(line))'
