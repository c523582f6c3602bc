#!/usr/bin/env bash
# HTTP benchmark of jwtd and its peers in ONE invocation (the machine is shared and noisy:
# ratios taken in the same run hold, absolute figures drift).
#
#   scripts/bench-http.sh [--quick]
#
# 1. Builds Release (scripts/build.sh release jwtd) unless JWTD=/path/to/jwtd is given.
# 2. Starts `jwtd serve` on a free loopback port with a temporary data dir (SQLite on disk,
#    synchronous=FULL), the default ES256 key and both revocation strategies, cheap Argon2id
#    (ops 1, 64 KiB) so the session pool is quick to create; registers a user and logs in.
# 3. GET /v1/me with the Bearer token: wrk -t1 -c64 --latency, warm-up then RUNS x DURATION.
# 4. Refresh (POST /oauth/token grant_type=refresh_token): a pool of sessions created by logins
#    (bench/http/login_pool.lua), sized from a warm-up run's rate; every request spends a
#    distinct refresh token (bench/http/refresh.lua); non-200 answers are counted.
# 5. Peers (bench/peers/node): express 5 + jsonwebtoken / fast-jwt, with and without a
#    Redis GET per request, on a redis-server started here; same wrk parameters.
# Prints a markdown table plus JSON lines (kept in $OUT). wrk runs on one thread and nothing is
# pinned: server and wrk share the 2 cores. Every process started here is stopped by its PID.
#
# Env: RUNS (3; quick 1) DURATION (10s; quick 3s) CONNS (64) REFRESH_RUNS (=RUNS)
#      REFRESH_DURATION (=DURATION) REFRESH_POOL_MAX (600000) PEER_VARIANTS JWTD
#      OUT (build/bench-http/<time>.jsonl) KEEP=1 (keep the temp dir: logs, data)
#      PEERS_ONLY=1 (only the peers: scripts/bench.sh measures jwtd itself)
#      PEERS_NODE_DIR (a copy of the Node peers with node_modules installed: no npm ci)
#      WARMUP (2s: wrk warm-up before each server's runs)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0
if [[ ${1:-} == --quick ]]; then quick=1; shift; fi
if [[ $# -gt 0 ]]; then echo "usage: scripts/bench-http.sh [--quick]" >&2; exit 2; fi

if ((quick)); then
  RUNS=${RUNS:-1}; DURATION=${DURATION:-3s}
  PEER_VARIANTS=${PEER_VARIANTS:-"none:none jsonwebtoken-keyobject:redis"}
else
  RUNS=${RUNS:-3}; DURATION=${DURATION:-10s}
  PEER_VARIANTS=${PEER_VARIANTS:-"none:none jsonwebtoken:none jsonwebtoken:redis \
jsonwebtoken-keyobject:none jsonwebtoken-keyobject:redis fast-jwt:none fast-jwt:redis"}
fi
CONNS=${CONNS:-64}
REFRESH_RUNS=${REFRESH_RUNS:-$RUNS}
REFRESH_DURATION=${REFRESH_DURATION:-$DURATION}
REFRESH_POOL_MAX=${REFRESH_POOL_MAX:-600000}
PEERS_SRC=${PEERS_SRC:-$top/bench/peers/node}
WRK=(wrk -t1 -c"$CONNS" --latency)
lua=$top/bench/http

work=$(mktemp -d /tmp/jwtd-bench-http.XXXXXX)
mkdir -p "$top/build/bench-http"
OUT=${OUT:-$top/build/bench-http/$(date -u +%Y%m%dT%H%M%SZ).jsonl}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {  # port
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}
stop_pid() {  # pid: stops one process started here and forgets it
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=()
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  pids=("${kept[@]}")
}
emit() { echo "$1" | tee -a "$OUT"; }
secs() { echo "${1%s}"; }  # "10s" -> 10

# --- machine facts and build --------------------------------------------------------------
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
emit "$(printf '{"machine":{"nproc":%s,"cpu":"%s","load_at_start":"%s","date":"%s","git":"%s","wrk":"%s","node":"%s","redis":"%s"}}' \
  "$(nproc)" "$cpu_model" "$load_at_start" "$(date -u +%FT%TZ)" \
  "$(git -C "$top" rev-parse --short HEAD)" "$(wrk -v 2>&1 | head -1 | awk '{print $2}')" \
  "$(node --version)" "$(redis-server --version | sed -E 's/.*v=([^ ]+).*/\1/')")"

if [[ ${PEERS_ONLY:-0} == 1 ]]; then
  :
elif [[ -z ${JWTD:-} ]]; then
  "$top/scripts/build.sh" release jwtd >&2
  JWTD=$top/build/release/src/cli/jwtd
fi

median_line() {  # name: reads wrk JSON lines on stdin, prints one summary JSON line
  NAME=$1 python3 -c '
import json, os, statistics, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
med = lambda k: statistics.median(r[k] for r in rs)
out = {"name": os.environ["NAME"], "median_req_s": round(med("req_per_s")),
       "median_p50_ms": round(med("p50_ms"), 2), "median_p99_ms": round(med("p99_ms"), 2),
       "errors": sum(r["errors"] for r in rs), "runs": rs}
if "status_other" in rs[0]:
    out["status_200"] = sum(r["status_200"] for r in rs)
    out["status_other"] = sum(r["status_other"] for r in rs)
    out["exhausted"] = any(r["exhausted"] for r in rs)
print(json.dumps(out))'
}

measure_get() {  # name url
  "${WRK[@]}" -d"${WARMUP:-2s}" -s "$lua/bearer.lua" "$2" >/dev/null  # warm-up
  for _ in $(seq 1 "$RUNS"); do
    "${WRK[@]}" -d"$DURATION" -s "$lua/bearer.lua" "$2" | grep '^{'
  done | median_line "$1"
}

jwtd_section() {
# --- jwtd ---------------------------------------------------------------------------------
port=$(free_port)
mkdir -p "$work/data"
"$JWTD" serve --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --set password.ops_limit=1 --set password.mem_limit_kib=64 \
  >"$work/jwtd.out" 2>"$work/jwtd.err" &
pids+=($!)
jwtd_pid=$!
wait_port "$port"
base=http://127.0.0.1:$port
user=bench-user
pass=bench-password-$RANDOM$RANDOM
curl -sf -XPOST -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"$pass\"}" "$base/v1/users" >/dev/null
TOKEN=$(curl -sf -XPOST -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"$pass\"}" "$base/v1/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
export TOKEN
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$base/v1/me")
[[ $code == 200 ]] || { echo "GET /v1/me answered $code" >&2; exit 1; }
emit "$(printf '{"jwtd_config":"%s"}' "$(grep -E '^(key|store):' "$work/jwtd.out" | tr '\n' ' ' | sed 's/ *$//')")"

echo "GET /v1/me: jwtd" >&2
emit "$(measure_get jwtd "$base/v1/me")"

# --- refresh pool and runs ----------------------------------------------------------------
pool=$work/refresh-pool.txt
: >"$pool"
grow_pool() {  # count: logins in 3 s chunks until the file holds `count` tokens
  local want=$1 have
  while :; do
    have=$(wc -l <"$pool")
    ((have >= want)) && return 0
    USERNAME=$user PASSWORD=$pass POOL_FILE=$pool POOL_COUNT=$((want - have)) \
      wrk -t1 -c32 -d3s -s "$lua/login_pool.lua" "$base/v1/login" | grep '^{' >&2
  done
}
# The first unused line of the pool, in a file: refresh_run also runs in subshells ($(...), |).
echo 0 >"$work/offset"
refresh_run() {  # duration: one wrk run from the offset, prints its JSON line, advances it
  local line offset
  offset=$(cat "$work/offset")
  line=$(POOL_FILE=$pool POOL_OFFSET=$offset \
    "${WRK[@]}" -d"$1" -s "$lua/refresh.lua" "$base/" | grep '^{')
  echo $((offset + $(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens_used"])'))) >"$work/offset"
  echo "$line"
}
echo "refresh: seed pool, warm-up" >&2
grow_pool $((quick ? 10000 : 30000))
warm=$(refresh_run 2s)
rate=$(echo "$warm" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["req_per_s"]))')
need=$(python3 -c "print(min($REFRESH_POOL_MAX, $(cat "$work/offset") + int($rate * 1.3 * $(secs "$REFRESH_DURATION") * $REFRESH_RUNS) + 2 * $CONNS))")
echo "refresh: warm-up $rate/s, growing the pool to $need sessions" >&2
grow_pool "$need"
for _ in $(seq 1 "$REFRESH_RUNS"); do refresh_run "$REFRESH_DURATION"; done |
  median_line jwtd-refresh | { read -r l; emit "$l"; }
stop_pid "$jwtd_pid"
}
if [[ ${PEERS_ONLY:-0} != 1 ]]; then jwtd_section; fi

# --- peers --------------------------------------------------------------------------------
if [[ -n ${PEERS_NODE_DIR:-} ]]; then
  ln -s "$PEERS_NODE_DIR" "$work/node"
else
  echo "peers: npm ci" >&2
  cp -r "$PEERS_SRC" "$work/node"
  rm -rf "$work/node/node_modules"
  (cd "$work/node" && npm ci --no-audit --no-fund >"$work/npm.log" 2>&1)
fi
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize no --loglevel warning >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"
redis-cli -p "$redis_port" set deny:some-other-jti 1 >/dev/null  # the denylist is not empty
peer_token=$(cd "$work/node" && node mktoken.mjs HS256)
for v in $PEER_VARIANTS; do
  verifier=${v%%:*}
  deny=${v##*:}
  hport=$(free_port)
  (cd "$work/node" && VERIFIER=$verifier DENYLIST=$deny PORT=$hport \
    REDIS_URL="redis://127.0.0.1:$redis_port" exec node server.mjs) >"$work/node-$v.log" 2>&1 &
  pids+=($!)
  npid=$!
  wait_port "$hport"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $peer_token" \
    "http://127.0.0.1:$hport/api/me")
  if [[ $code != 200 ]]; then
    echo "peer $v answered $code" >&2
  else
    echo "GET /api/me: express $v" >&2
    emit "$(TOKEN=$peer_token measure_get "express:$v" "http://127.0.0.1:$hport/api/me")"
  fi
  stop_pid "$npid"
done

# --- summary ------------------------------------------------------------------------------
if [[ ${PEERS_ONLY:-0} == 1 ]]; then exit 0; fi
echo
cmd="scripts/bench-http.sh"
if ((quick)); then cmd+=" --quick"; fi
python3 "$lua/summarize.py" "$OUT" "$cmd (RUNS=$RUNS DURATION=$DURATION CONNS=$CONNS)"
echo "raw results: $OUT" >&2
