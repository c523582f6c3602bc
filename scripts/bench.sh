#!/usr/bin/env bash
# One command for every benchmark of docs/benchmarks.md: each revocation configuration on
# SQLite and on PostgreSQL+Redis, the peers (Node and Python JWT libraries, express servers),
# the scaling curves and the propagation delay, all in one run; then the report and charts.
#
#   scripts/bench.sh [--quick] [--out DIR] [--no-report]
#
#   --quick      one short run per measurement and fewer points (CI smoke run, < 2 min)
#   --out DIR    results go to DIR/<stamp>/ (default build/bench-results)
#   --no-report  do not rewrite docs/benchmarks.md and docs/bench/*.svg (default: written,
#                except with --quick, which writes the report into the results folder only)
#
# Time bound: BENCH_TIME_LIMIT seconds (default 900, quick 240), then everything is stopped.
#
# Results: <out>/<stamp>/results.jsonl (one record per measurement: section, config, store,
# metric, unit, runs[], median, min, max), machine.json, raw benchmark outputs; the report
# generator is scripts/bench_report.py. Processes started here (jwtd, postgres, redis-server,
# node) are stopped by their PIDs on exit. Binaries: JWTD (default <build>/src/cli/jwtd) and
# BENCH_BIN (default <build>/bench) from BUILD_DIR (default build/release), built here with
# -j1 unless NO_BUILD=1.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QUICK=0
OUT_BASE=$TOP/build/bench-results
REPORT=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1 ;;
    --out) OUT_BASE=$2; shift ;;
    --no-report) REPORT=0 ;;
    *) echo "usage: scripts/bench.sh [--quick] [--out DIR] [--no-report]" >&2; exit 2 ;;
  esac
  shift
done

if ((QUICK)); then
  RUNS=${RUNS:-1}; DURATION=${DURATION:-1s}; CURVE_DURATION=1s; STATE_SESSIONS=200
  TOTAL_STEPS=24; BENCH_MODE=quick
else
  RUNS=${RUNS:-3}; DURATION=${DURATION:-4s}; CURVE_DURATION=3s; STATE_SESSIONS=1000
  TOTAL_STEPS=26; BENCH_MODE=full
fi
CONNS=${CONNS:-64}
BUILD_DIR=${BUILD_DIR:-$TOP/build/release}
JWTD=${JWTD:-$BUILD_DIR/src/cli/jwtd}
BENCH_BIN=${BENCH_BIN:-$BUILD_DIR/bench}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT_DIR=$OUT_BASE/$STAMP
RESULTS=$OUT_DIR/results.jsonl
WORK=$(mktemp -d /tmp/jwtd-bench.XXXXXX)
T0=$(date +%s)
BENCH_COMMAND=scripts/bench.sh
if ((QUICK)); then BENCH_COMMAND+=" --quick"; fi
export RUNS DURATION CONNS BENCH_MODE BENCH_COMMAND
mkdir -p "$OUT_DIR"
: >"$RESULTS"

for part in lib machine micro peers services jwtd configs refresh propagation; do
  # shellcheck source=/dev/null
  source "$TOP/scripts/bench/$part.sh"
done

cleanup() {
  stop_all
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "interrupted (or over the time bound of ${LIMIT} s): stopping" >&2; exit 130' INT TERM
# The time bound: a watchdog stops the run (and, through the EXIT trap, everything it started).
LIMIT=${BENCH_TIME_LIMIT:-$( ((QUICK)) && echo 240 || echo 900)}
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "$LIMIT" &
  sleeper=$!
  wait "$sleeper" && kill -TERM $$
) >/dev/null 2>&1 &
PIDS+=($!)

if [[ ${NO_BUILD:-0} != 1 ]]; then
  echo "building jwtd and the benchmark binaries in $BUILD_DIR (-j1)" >&2
  [[ -f $BUILD_DIR/build.ninja ]] ||
    cmake -S "$TOP" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j1 --target jwtd jose_bench revocation_view_bench \
    denylist_scaling_bench seed_sessions http_floor_server http_exchange_bench >/dev/null
fi

echo "scripts/bench.sh ($BENCH_MODE): results in $OUT_DIR" >&2
machine_facts
micro_benchmarks
peers_verify
start_redis
start_postgres
config_matrix
peers_http  # right after jwtd's GET /v1/me runs: the ratio compares close moments of the machine
me_one_io_thread
floor_http
refresh_benchmarks
propagation
stop_postgres
machine_finish
echo "done in $(($(date +%s) - T0)) s: $RESULTS" >&2

if ((REPORT)); then
  if ((QUICK)); then
    "$PY" "$TOP/scripts/bench_report.py" "$OUT_DIR" --doc "$OUT_DIR/benchmarks.md" \
      --svg-dir "$OUT_DIR/bench"
  else
    "$PY" "$TOP/scripts/bench_report.py" "$OUT_DIR" --doc "$TOP/docs/benchmarks.md" \
      --svg-dir "$TOP/docs/bench"
  fi
fi
