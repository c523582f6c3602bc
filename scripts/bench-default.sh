#!/usr/bin/env bash
# The default configuration against the machine's floor (docs/benchmarks.md "Default
# configuration"), in one run: GET /v1/me with a Bearer token on jwtd's defaults, on
# `server.io_threads=2` (the previous default on 2 cores: one per core), and on the fixed-answer
# epoll responder (bench/http/floor_server.cc, the ceiling of this load on this machine);
# then refresh/s on SQLite for both I/O thread settings, so a default that serves reads better
# is seen not to cost the write path. Alternated RUNS times; wrk -t1 -c$CONNS; medians.
#
#   scripts/bench-default.sh
#
# Env: RUNS (3) DURATION (5s) CONNS (64) POOL (sessions per refresh run, 60000)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}; DURATION=${DURATION:-5s}; CONNS=${CONNS:-64}; POOL=${POOL:-60000}
for tool in wrk curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
bin=$top/build/release
[[ -x $bin/src/cli/jwtd && -x $bin/bench/http_floor_server && -x $bin/bench/seed_sessions ]] ||
  "$top/scripts/build.sh" release jwtd http_floor_server seed_sessions >&2
WORK=$(mktemp -d /tmp/jwtd-bench-default.XXXXXX)
TOP=$top
JWTD=$bin/src/cli/jwtd
# shellcheck source=scripts/bench/lib.sh
source "$top/scripts/bench/lib.sh"
# shellcheck source=scripts/bench/jwtd.sh
source "$top/scripts/bench/jwtd.sh"
trap 'stop_all; rm -rf "$WORK"' EXIT

me_run() {  # label url token: one measured wrk run after a 1 s warm-up, tagged
  TOKEN=$3 wrk -t1 -c"$CONNS" -d1s -s "$top/bench/http/bearer.lua" "$2" >/dev/null
  TOKEN=$3 wrk -t1 -c"$CONNS" --latency -d"$DURATION" -s "$top/bench/http/bearer.lua" "$2" |
    grep '^{' | sed "s/^{/{\"name\":\"$1\",/"
}

refresh_run() {  # label: one measured refresh run on this node's fresh pool, tagged
  spend_run refresh "$POOL" "$bin/bench/seed_sessions" | sed "s/^{/{\"name\":\"$1\",/"
}

declare -A io=([default]="" [io2]="--set server.io_threads=2")
for i in $(seq 1 "$RUNS"); do
  echo "run $i/$RUNS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  port=$(free_port)
  spawn "$WORK/floor.log" "$bin/bench/http_floor_server" "$port"
  floor_pid=$LAST_PID
  wait_port "$port"
  me_run floor "http://127.0.0.1:$port/v1/me" "$(printf 'e%.0s' $(seq 1 444))"
  stop_pid "$floor_pid"
  for label in default io2; do
    rm -rf "$WORK/node"
    # shellcheck disable=SC2086
    start_jwtd node sqlite '["denylist","version"]' --set log.level=warn ${io[$label]}
    register_user "$J_BASE"
    me_run "me-$label" "$J_BASE/v1/me" "$(login_token "$J_BASE")"
    refresh_run "refresh-$label"
    stop_pid "$J_PID"
  done
done | /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
names = sorted({r["name"] for r in rows})
med = {n: {k: statistics.median(r[k] for r in rows if r["name"] == n)
           for k in ("req_per_s", "p50_ms", "p99_ms")} for n in names}
for n in names:
    med[n]["runs_req_per_s"] = [round(r["req_per_s"]) for r in rows if r["name"] == n]
out = {"median": med,
       "me_default_vs_floor": round(med["me-default"]["req_per_s"] / med["floor"]["req_per_s"], 3),
       "me_io2_vs_floor": round(med["me-io2"]["req_per_s"] / med["floor"]["req_per_s"], 3),
       "refresh_default_vs_io2": round(med["refresh-default"]["req_per_s"] /
                                       med["refresh-io2"]["req_per_s"], 3),
       "non2xx_refresh": sum(r.get("status_other", 0) for r in rows if r["name"].startswith("refresh"))}
print(json.dumps(out, indent=1))'
