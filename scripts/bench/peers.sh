# Peers (sourced by scripts/bench.sh): the Node libraries of bench/peers/node
# (fast-jwt, jose, jsonwebtoken; npm ci into a cached copy under build/bench-peers when
# node_modules is missing there) and PyJWT (Debian, /usr/bin/python3): verify ops/s per alg;
# then the express servers under wrk through scripts/bench-http.sh (PEERS_ONLY=1).

# peers_setup: prints the directory of a runnable copy of the Node peers.
peers_setup() {
  local src=${PEERS_SRC:-$TOP/bench/peers/node} dst=$TOP/build/bench-peers/node
  if [[ ! -d $dst/node_modules ]] || ! cmp -s "$src/package-lock.json" "$dst/package-lock.json"; then
    rm -rf "$dst"
    mkdir -p "$(dirname "$dst")"
    cp -r "$src" "$dst"
    chmod -R u+w "$dst"
    (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >"$WORK/npm.log" 2>&1) ||
      { echo "npm ci failed (see $WORK/npm.log)" >&2; return 1; }
  fi
  echo "$dst"
}

peers_verify() {
  local secs=0.3 runs=3 warm=0.3 node_dir
  if ((QUICK)); then secs=0.05; runs=1; warm=0.02; fi
  progress "JWT verify: fast-jwt, jose, jsonwebtoken (Node $(node --version))"
  node_dir=$(peers_setup)
  (cd "$node_dir" && node bench-verify.mjs --alg all --lib all --op verify --seconds "$secs" \
    --runs "$runs" --warmup "$warm") >"$OUT_DIR/peers_node.jsonl" 2>"$WORK/peers_node.err"
  progress "JWT verify: PyJWT ($(/usr/bin/python3 --version 2>&1))"
  /usr/bin/python3 "${PEERS_PY:-$TOP/bench/peers/python/bench_verify.py}" --lib pyjwt \
    --alg HS256,RS256,ES256,EdDSA --seconds "$secs" --runs "$runs" --warmup "$warm" \
    >"$OUT_DIR/peers_python.jsonl" 2>"$WORK/peers_python.err"
  "$PY" - "$RESULTS" "$OUT_DIR/peers_node.jsonl" "$OUT_DIR/peers_python.jsonl" <<'PY'
import json, statistics, sys
out = open(sys.argv[1], "a")
for path in sys.argv[2:]:
    for line in open(path):
        r = json.loads(line)
        if r.get("op") != "verify" or "runs_ops_s" not in r:
            continue
        runs = [float(x) for x in r["runs_ops_s"]]
        # PyJWT with a parsed key object is its comparable row (HS256 has only that form)
        variant = "pyjwt" if r["variant"] == "pyjwt[key-object]" else r["variant"]
        out.write(json.dumps({"section": "verify", "config": variant, "store": "-",
                              "metric": r["alg"], "unit": "ops/s", "runs": runs,
                              "median": statistics.median(runs), "min": min(runs),
                              "max": max(runs), "version": r.get("version")}) + "\n")
PY
}

# peers_http: express 5 + jsonwebtoken / fast-jwt, with and without a Redis GET, under the same
# wrk parameters as jwtd's GET /v1/me (scripts/bench-http.sh does the work).
peers_http() {
  progress "HTTP peers: express + jsonwebtoken / fast-jwt, with and without Redis GET"
  local node_dir variants
  node_dir=$(peers_setup)
  variants="none:none jsonwebtoken:redis jsonwebtoken-keyobject:none jsonwebtoken-keyobject:redis fast-jwt:redis"
  ((QUICK)) && variants="jsonwebtoken-keyobject:redis"
  PEERS_ONLY=1 PEERS_NODE_DIR=$node_dir WARMUP=$( ((QUICK)) && echo 1s || echo 2s) RUNS=$RUNS DURATION=$DURATION PEER_VARIANTS=$variants \
    OUT="$OUT_DIR/peers_http.jsonl" "$TOP/scripts/bench-http.sh" >"$WORK/peers_http.out" \
    2>"$WORK/peers_http.err" || { echo "bench-http.sh failed:" >&2; tail -5 "$WORK/peers_http.err" >&2; return 1; }
  "$PY" - "$RESULTS" "$OUT_DIR/peers_http.jsonl" <<'PY'
import json, statistics, sys
out = open(sys.argv[1], "a")
for line in open(sys.argv[2]):
    r = json.loads(line)
    if not r.get("name", "").startswith("express:"):
        continue
    for metric, key, unit in (("me_req_s", "req_per_s", "req/s"), ("me_p50_ms", "p50_ms", "ms"),
                              ("me_p99_ms", "p99_ms", "ms")):
        runs = [float(x[key]) for x in r["runs"]]
        out.write(json.dumps({"section": "http_peers", "config": r["name"], "store": "-",
                              "metric": metric, "unit": unit, "runs": runs,
                              "median": statistics.median(runs), "min": min(runs),
                              "max": max(runs)}) + "\n")
PY
}

# floor_http: the machine's ceiling for this load — bench/http/floor_server.cc (two epoll
# threads writing a fixed answer shaped like jwtd's, no parsing) under the same wrk command and
# token-sized header as jwtd's GET /v1/me. Everything above it is per-request work of a server.
floor_http() {
  progress "HTTP floor: fixed-answer epoll responder under the same wrk load"
  local port lines pid
  port=$(free_port)
  spawn "$WORK/floor.log" "$BENCH_BIN/http_floor_server" "$port"
  pid=$LAST_PID
  wait_port "$port" || return 1
  lines=$WORK/floor.jsonl
  wrk_get_runs "http://127.0.0.1:$port/v1/me" "$(printf 'e%.0s' $(seq 1 444))" >"$lines"
  stop_pid "$pid"
  record http_peers floor:epoll - me_req_s req/s $(runs_of req_per_s <"$lines")
  record http_peers floor:epoll - me_p50_ms ms $(runs_of p50_ms <"$lines")
  record http_peers floor:epoll - me_p99_ms ms $(runs_of p99_ms <"$lines")
}
