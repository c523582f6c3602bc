# Refresh throughput (sourced by scripts/bench.sh): POST /oauth/token with a distinct refresh
# token per request (bench/http/refresh.lua; a reused one would be reuse detection, RFC 9700
# §4.14.2), on SQLite and on PostgreSQL+Redis; then refresh/s as the stored sessions grow to
# 1,000,000 (SQLite). Session pools come from bench/seed_sessions (rows a login writes, created
# through the store API; Argon2id logins would take too long for a million).

# seed store count [tokens_file]: count more sessions; their tokens appended to the file.
seed() {
  local args=(--store "$1" --user "$BENCH_USER" --count "$2")
  [[ -n ${3:-} ]] && args+=(--tokens "$3" --keep "$2")
  "$BENCH_BIN/seed_sessions" "${args[@]}" >>"$WORK/seed.log"
}

# seed_bulk sqlite_file count: background sessions (their refresh tokens unusable: random
# hashes) in one SQL statement per table, in key order, with a large page cache — the store API takes minutes
# for a million on 2 cores. Falls back to seed_sessions if the schema no longer matches.
seed_bulk() {
  local uid now
  uid=$(sqlite3 "$1" "SELECT id FROM users WHERE username = '$BENCH_USER'")
  now=$(date +%s)
  sqlite3 "$1" >>"$WORK/seed.log" 2>&1 <<SQL && return 0
.bail on
PRAGMA busy_timeout = 10000;
PRAGMA cache_size = -400000;
BEGIN IMMEDIATE;
CREATE TEMP TABLE seed AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
  SELECT 'seed' || lower(hex(randomblob(12))) AS id, randomblob(32) AS h FROM n;
INSERT INTO sessions (id, user_id, generation, created_at, last_used_at, idle_expires_at,
  absolute_expires_at, revoked_at, revoked_reason, scope, user_agent, client_ip)
  SELECT id, $uid, 1, $now, $now, $now + 2592000, 0, 0, '', '', '', '' FROM seed ORDER BY id;
INSERT INTO refresh_tokens (token_hash, session_id, generation, state, created_at, rotated_at)
  SELECT h, id, 1, 0, $now, 0 FROM seed ORDER BY h;
COMMIT;
SQL
  note "bulk SQL seeding failed (schema changed?): seed_sessions instead"
  seed "$1" "$2"
}

# refresh_runs label store runs duration: a warm-up second on a small pool gives the rate, the
# pool is then grown for the runs (1.5 x rate x time); prints one wrk JSON line per run.
refresh_runs() {
  local pool=$WORK/refresh-pool-$1 runs=$3 dur=$4 offset line i rate
  : >"$pool"
  # the warm-up pool: more than a second of refreshes (PostgreSQL rotates ~10x slower here)
  seed "$2" "$([[ $2 == postgres* ]] && echo 2000 || echo 8000)" "$pool"
  line=$(POOL_FILE=$pool POOL_OFFSET=0 wrk -t1 -c"$CONNS" -d1s -s "$TOP/bench/http/refresh.lua" \
    "$J_BASE/" | grep '^{')
  offset=$(echo "$line" | json_field tokens_used)
  rate=$(echo "$line" | "$PY" -c 'import json, sys; r = json.load(sys.stdin); print(r["status_200"] / r["duration_s"])')
  seed "$2" "$("$PY" -c "print(int($rate * 1.5 * ${dur%s} * $runs) + 4 * $CONNS)")" "$pool"
  for i in $(seq 1 "$runs"); do
    line=$(POOL_FILE=$pool POOL_OFFSET=$offset wrk -t1 -c"$CONNS" --latency -d"$dur" \
      -s "$TOP/bench/http/refresh.lua" "$J_BASE/" | grep '^{')
    offset=$((offset + $(echo "$line" | json_field tokens_used)))
    echo "$line"
  done
}

record_refresh() {  # config store lines_file
  record refresh "$1" "$2" refresh_req_s req/s $(runs_of req_per_s <"$3")
  record refresh "$1" "$2" refresh_p99_ms ms $(runs_of p99_ms <"$3")
  record refresh "$1" "$2" refresh_non200 count $(runs_of status_other <"$3")
  record refresh "$1" "$2" refresh_exhausted count \
    $(runs_of exhausted <"$3" | sed 's/True/1/g; s/False/0/g')
}

refresh_benchmarks() {
  local store name
  for store in sqlite postgres; do
    name=$([[ $store == sqlite ]] && echo SQLite || echo PostgreSQL+Redis)
    progress "refresh (POST /oauth/token), denylist+version, $name, $RUNS x $DURATION"
    [[ $store == postgres ]] && new_pg_store refresh
    start_jwtd "refresh-$store" "$store" '["denylist","version"]'
    register_user "$J_BASE"
    login_token "$J_BASE" >/dev/null  # the user's first session
    refresh_runs "$store" "$J_STORE" "$RUNS" "$DURATION" >"$WORK/refresh-$store.jsonl"
    record_refresh denylist+version "$store" "$WORK/refresh-$store.jsonl"
    stop_pid "$J_PID"
  done
  sessions_curve
}

# sessions_curve: a fresh SQLite node; grows the stored sessions to each point and runs one
# refresh measurement there (x = sessions stored when the run starts, its own pool included).
sessions_curve() {
  local points=(10000 100000 1000000) have target n
  ((QUICK)) && points=(10000)
  start_jwtd curve sqlite '["denylist","version"]'
  register_user "$J_BASE"
  login_token "$J_BASE" >/dev/null
  for target in 0 "${points[@]}"; do
    progress "refresh vs stored sessions: $target seeded + the run's pool, SQLite"
    have=$(store_count "$J_STORE" sessions)
    if ((target > have)); then seed_bulk "$J_STORE" $((target - have)); fi
    refresh_runs "curve-$target" "$J_STORE" 1 "$CURVE_DURATION" >"$WORK/curve-$target.jsonl"
    # x: the sessions stored during the run (those seeded before it and its pool)
    n=$(store_count "$J_STORE" sessions)
    record sessions "$n" sqlite refresh_req_s req/s $(runs_of req_per_s <"$WORK/curve-$target.jsonl")
  done
  stop_pid "$J_PID"
}
