# Propagation delay (sourced by scripts/bench.sh): 1, 2 and 3 jwtd nodes sharing one
# PostgreSQL database and one Redis bus. A logout's 2xx on node A until the old access token
# is refused by every other node (with 1 node: by A itself); p50/p99 over the samples.
propagation() {
  local samples=200 nodes bases=() pids=() i polls
  ((QUICK)) && samples=30
  new_pg_store propagation
  for i in 1 2 3; do
    # the shared store, bus, key directory and issuer; each node its own data dir and bus id
    start_jwtd "prop-$i" postgres '["denylist","version"]' --set "keys.dir=$WORK/prop-keys" \
      --set tokens.issuer=http://jwtd.bench --set "bus.node_id=node$i"
    bases+=("$J_BASE")
    pids+=("$J_PID")
  done
  register_user "${bases[0]}"
  for nodes in 1 2 3; do
    progress "propagation: $nodes node(s), PostgreSQL+Redis, $samples logouts"
    if ((nodes == 1)); then
      polls=${bases[0]}
    else
      polls=$(IFS=,; echo "${bases[*]:1:nodes-1}")
    fi
    local out
    out=$("$PY" "$TOP/scripts/bench/revocation_delay.py" --login "${bases[0]}" --poll "$polls" \
      --user "$BENCH_USER" --password "$BENCH_PASS" --samples "$samples" --give-up-ms 5000)
    echo "$out" >>"$OUT_DIR/delays.jsonl"
    "$PY" - "$RESULTS" "$nodes" "$out" <<'PY'
import json, statistics, sys
path, nodes, raw = sys.argv[1:]
r = json.loads(raw)
d = sorted(r["delays_ms"])
pct = lambda q: d[min(len(d) - 1, int(round(q * (len(d) - 1))))]
rec = {"section": "propagation", "config": nodes, "store": "postgres", "metric": "delay_ms",
       "unit": "ms", "runs": d, "median": statistics.median(d), "min": d[0], "max": d[-1],
       "p50": pct(0.5), "p99": pct(0.99), "not_refused": r["not_refused"], "samples": r["samples"]}
open(path, "a").write(json.dumps(rec) + "\n")
PY
  done
  for i in "${pids[@]}"; do stop_pid "$i"; done
}
