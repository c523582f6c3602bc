# The configuration matrix (sourced by scripts/bench.sh): every revocation configuration on
# SQLite and on PostgreSQL+Redis, one jwtd node each. Per configuration: server state per
# active session and per revocation, store statements per GET /v1/me (PostgreSQL statement
# log), GET /v1/me req/s and p50/p99 (wrk), revocation delay on the node.
#
# Server configurations (revocation.strategies): "none" = [] serves two rows of the report:
# "stateless" (soft logout: the client drops its tokens, no server call) and "refresh-only"
# (POST /v1/logout revokes the refresh family; access tokens live until exp). Then denylist,
# version (revocation by POST /v1/logout-all: a token version ends every session of a user)
# and denylist+version.
CONFIGS=("none:[]" 'denylist:["denylist"]' 'version:["version"]' 'denylist+version:["denylist","version"]')

config_action() {  # config: the logout call whose delay is measured
  case $1 in
    version) echo logout-all ;;
    *) echo logout ;;
  esac
}

# statements_during store cmd...: runs cmd and sets STATEMENTS to the statements the
# PostgreSQL server logged meanwhile (log_statement = all for that window only).
statements_during() {
  pg_sql postgres "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
  pg_sql postgres "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  local before after
  before=$(grep -cE 'LOG:  (statement|execute)' "$WORK/postgres.log" || true)
  "$@"
  after=$(grep -cE 'LOG:  (statement|execute)' "$WORK/postgres.log" || true)
  pg_sql postgres "ALTER SYSTEM RESET log_statement" >/dev/null
  pg_sql postgres "SELECT pg_reload_conf()" >/dev/null
  STATEMENTS=$((after - before - 2))  # minus this function's own two statements
  ((STATEMENTS < 0)) && STATEMENTS=0
  return 0
}

# measure_state cfg store: sessions and revocations, bytes per each (store and view).
measure_state() {
  local cfg=$1 store=$2 n=$STATE_SESSIONS b0 b1 b2 s0 s1 v1 v2 e1 e2
  b0=$(store_bytes "$J_STORE")
  s0=$(store_count "$J_STORE" sessions)
  login_pool "$J_BASE" "$WORK/pool-$cfg-$store" "$n"
  b1=$(store_bytes "$J_STORE")
  s1=$(store_count "$J_STORE" sessions)
  record state "$cfg" "$store" bytes_per_session bytes "$(((b1 - b0) / (s1 - s0)))"
  v1=$(metric "$J_BASE" jwtd_revocation_view_bytes)
  e1=$(metric "$J_BASE" jwtd_revocation_view_entries)
  "$PY" "$TOP/scripts/bench/pool.py" logout "$J_BASE" "$WORK/pool-$cfg-$store" \
    >"$WORK/logout-$cfg-$store.out"
  sleep 0.2
  b2=$(store_bytes "$J_STORE")
  v2=$(metric "$J_BASE" jwtd_revocation_view_bytes)
  e2=$(metric "$J_BASE" jwtd_revocation_view_entries)
  record state "$cfg" "$store" bytes_per_revocation bytes "$(((b2 - b1) / n))"
  record state "$cfg" "$store" view_entries_per_revocation entries \
    "$("$PY" -c "print(($e2 - $e1) / $n)")"
  if ((e2 > e1)); then
    record state "$cfg" "$store" view_bytes_per_entry bytes "$(((v2 - v1) / (e2 - e1)))"
  fi
}

measure_me() {  # cfg store
  local token lines
  token=$(login_token "$J_BASE")
  if [[ $2 == postgres ]]; then
    statements_during wrk_get_runs "$J_BASE/v1/me" "$token" >"$WORK/me-$1-$2.jsonl"
  else
    wrk_get_runs "$J_BASE/v1/me" "$token" >"$WORK/me-$1-$2.jsonl"
  fi
  lines=$WORK/me-$1-$2.jsonl
  record http "$1" "$2" me_req_s req/s $(runs_of req_per_s <"$lines")
  record http "$1" "$2" me_p50_ms ms $(runs_of p50_ms <"$lines")
  record http "$1" "$2" me_p99_ms ms $(runs_of p99_ms <"$lines")
  record http "$1" "$2" me_errors count $(runs_of errors <"$lines")
  if [[ $2 == postgres ]]; then
    local total
    total=$("$PY" -c 'import json,sys; print(sum(json.loads(l)["requests"] for l in open(sys.argv[1])))' "$lines")
    record http "$1" "$2" store_statements_per_request statements \
      "$("$PY" -c "print($STATEMENTS / $total)")"
  fi
}

measure_delay() {  # row store action samples give_up_ms
  local out
  out=$("$PY" "$TOP/scripts/bench/revocation_delay.py" --login "$J_BASE" --poll "$J_BASE" \
    --user "$BENCH_USER" --password "$BENCH_PASS" --action "$3" --samples "$4" \
    --give-up-ms "$5")
  echo "$out" >>"$OUT_DIR/delays.jsonl"
  "$PY" - "$RESULTS" "$1" "$2" "$out" <<'PY'
import json, statistics, sys
path, cfg, store, raw = sys.argv[1:]
r = json.loads(raw)
d = sorted(r["delays_ms"])
rec = {"section": "delay", "config": cfg, "store": store, "metric": "revocation_delay_ms",
       "unit": "ms", "runs": d, "action": r["action"], "not_refused": r["not_refused"],
       "give_up_ms": r["give_up_ms"], "samples": r["samples"],
       "median": statistics.median(d) if d else None, "min": min(d) if d else None,
       "max": max(d) if d else None,
       "p99": d[min(len(d) - 1, int(round(0.99 * (len(d) - 1))))] if d else None}
open(path, "a").write(json.dumps(rec) + "\n")
PY
}

config_matrix() {
  local store entry cfg strategies samples=20 exp_samples=3 exp_wait=500
  ((QUICK)) && { samples=5; exp_samples=2; exp_wait=300; }
  for store in sqlite postgres; do
    for entry in "${CONFIGS[@]}"; do
      cfg=${entry%%:*}
      strategies=${entry#*:}
      progress "GET /v1/me, $cfg, $([[ $store == sqlite ]] && echo SQLite || echo PostgreSQL+Redis): state, req/s, revocation delay"
      [[ $store == postgres ]] && new_pg_store "cfg_${cfg//+/_}"
      start_jwtd "$cfg-$store" "$store" "$strategies"
      register_user "$J_BASE"
      measure_state "$cfg" "$store"
      measure_me "$cfg" "$store"
      if [[ $cfg == none ]]; then
        measure_delay stateless "$store" none "$exp_samples" "$exp_wait"
        measure_delay refresh-only "$store" logout "$exp_samples" "$exp_wait"
      else
        measure_delay "$cfg" "$store" "$(config_action "$cfg")" "$samples" 2000
      fi
      stop_pid "$J_PID"
    done
  done
}

# me_one_io_thread: the default configuration (SQLite, denylist + version) with
# server.io_threads=1, i.e. one event loop as the Node peers have, leaving wrk the other core of
# the two. Measured next to the peers (scripts/bench.sh runs it right after them): with an I/O
# thread per core (the default) jwtd's two threads and wrk contend for two cores.
me_one_io_thread() {
  progress "GET /v1/me, default configuration with one I/O thread (server.io_threads=1)"
  start_jwtd "io1-sqlite" sqlite '["denylist","version"]' --set server.io_threads=1
  register_user "$J_BASE"
  local token lines=$WORK/me-io1-sqlite.jsonl
  token=$(login_token "$J_BASE")
  wrk_get_runs "$J_BASE/v1/me" "$token" >"$lines"
  record http "denylist+version:io1" sqlite me_req_s req/s $(runs_of req_per_s <"$lines")
  record http "denylist+version:io1" sqlite me_p50_ms ms $(runs_of p50_ms <"$lines")
  record http "denylist+version:io1" sqlite me_p99_ms ms $(runs_of p99_ms <"$lines")
  record http "denylist+version:io1" sqlite me_errors count $(runs_of errors <"$lines")
  stop_pid "$J_PID"
}
