# jwtd processes for scripts/bench.sh (sourced): start one node on a store, register the
# benchmark user, log in, read /metrics, measure the store's size.
# Argon2id is made cheap (ops 1, 64 KiB) so that logins for session pools are quick: this
# benchmark measures tokens and revocation, not password hashing.

BENCH_USER=bench-user
BENCH_PASS=bench-password-$RANDOM$RANDOM

# start_jwtd name store strategies [--set k=v ...]: store is sqlite or postgres (a fresh
# database named after the node set, with the Redis bus). Sets J_PORT, J_PID, J_BASE, J_DATA,
# J_STORE (the SQLite file or the PostgreSQL URL).
start_jwtd() {
  local name=$1 store=$2 strategies=$3
  shift 3
  J_DATA=$WORK/$name
  mkdir -p "$J_DATA"
  local args=(serve --data-dir "$J_DATA" --set "revocation.strategies=$strategies"
    --set password.ops_limit=1 --set password.mem_limit_kib=64 "$@")
  if [[ $store == postgres ]]; then
    args+=(--set "store.url=$J_STORE" --set "bus.url=$REDIS_URL")
  else
    J_STORE=$J_DATA/jwtd.db
  fi
  J_PORT=$(free_port)
  spawn "$WORK/$name.log" "$JWTD" "${args[@]}" --listen "127.0.0.1:$J_PORT"
  J_PID=$LAST_PID
  J_BASE=http://127.0.0.1:$J_PORT
  wait_port "$J_PORT" 600 || { tail -5 "$WORK/$name.log" >&2; return 1; }
  local i
  for i in $(seq 1 100); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$J_BASE/readyz") == 200 ]] && return 0
    sleep 0.1
  done
  echo "jwtd $name not ready: $(tail -3 "$WORK/$name.log")" >&2
  return 1
}

# new_pg_store name: a fresh PostgreSQL database for the next start_jwtd (sets J_STORE).
new_pg_store() { J_STORE=$(pg_newdb "$1"); }

register_user() {  # base
  curl -sf -XPOST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$BENCH_USER\",\"password\":\"$BENCH_PASS\"}" "$1/v1/users" >/dev/null || true
}

login_token() {  # base: prints a fresh access token
  curl -sf -XPOST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$BENCH_USER\",\"password\":\"$BENCH_PASS\"}" "$1/v1/login" |
    json_field access_token
}

metric() {  # base name: one gauge/counter from /metrics (sum over label sets)
  curl -sf "$1/metrics" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2} END {print s + 0}'
}

# store_bytes store: bytes held by the tables (SQLite: dbstat pages; PostgreSQL: total
# relation sizes of the user tables, indexes included).
store_bytes() {
  if [[ $1 == postgres* ]]; then
    pg_sql "${1##*/}" "SELECT sum(pg_total_relation_size(relid)) FROM pg_stat_user_tables"
  else
    sqlite3 "$1" "SELECT sum(pgsize) FROM dbstat"
  fi
}

store_count() {  # store table
  if [[ $1 == postgres* ]]; then
    pg_sql "${1##*/}" "SELECT count(*) FROM $2"
  else
    sqlite3 "$1" "SELECT count(*) FROM $2"
  fi
}

# spend_run kind count seed_bin: seeds `count` sessions of the benchmark user into $J_STORE
# (seed_bin: a bench/seed_sessions of the same schema), warms up 1 s, then one measured wrk run
# of $DURATION spending them (bench/http/refresh.lua with SPEND=kind: refresh or logout) on
# $J_BASE; prints its wrk JSON line.
spend_run() {
  local kind=$1 count=$2 seed_bin=$3 pool=$WORK/spend-pool warm used
  : >"$pool"
  "$seed_bin" --store "$J_STORE" --user "$BENCH_USER" --count "$count" --tokens "$pool" \
    --keep "$count" >>"$WORK/seed.log"
  warm=$(SPEND=$kind POOL_FILE=$pool POOL_OFFSET=0 wrk -t1 -c"$CONNS" -d1s \
    -s "$TOP/bench/http/refresh.lua" "$J_BASE/" | grep '^{')
  used=$(echo "$warm" | json_field tokens_used)
  SPEND=$kind POOL_FILE=$pool POOL_OFFSET=$used wrk -t1 -c"$CONNS" --latency -d"$DURATION" \
    -s "$TOP/bench/http/refresh.lua" "$J_BASE/" | grep '^{'
}

# login_pool base file count: creates `count` sessions by logins, their refresh tokens to file.
login_pool() {
  "$PY" "$TOP/scripts/bench/pool.py" login "$1" "$2" "$3" "$BENCH_USER" "$BENCH_PASS" >/dev/null
}

# wrk_get_runs url token: GET with the Bearer token, a 1 s warm-up (not with --quick), then
# RUNS x DURATION;
# prints one wrk JSON line per run.
wrk_get_runs() {
  local url=$1 i
  if ((!QUICK)); then
    TOKEN=$2 wrk -t1 -c"$CONNS" --latency -d1s -s "$TOP/bench/http/bearer.lua" "$url" >/dev/null
  fi
  for i in $(seq 1 "$RUNS"); do
    note "run $i/$RUNS, wrk -t1 -c$CONNS -d$DURATION"
    TOKEN=$2 wrk -t1 -c"$CONNS" --latency -d"$DURATION" -s "$TOP/bench/http/bearer.lua" "$url" |
      grep '^{'
  done
}

# runs_of key: reads wrk JSON lines on stdin, prints the key's values space-separated.
runs_of() {
  "$PY" -c 'import json, sys; print(" ".join(str(json.loads(l)[sys.argv[1]]) for l in sys.stdin if l.strip()))' "$1"
}
