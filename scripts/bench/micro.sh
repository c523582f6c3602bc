# Micro-benchmarks (sourced by scripts/bench.sh): jose_bench (jwtd vs raw OpenSSL vs libjwt
# verify), revocation_view_bench (check with 1 M denied jtis, cached/uncached ES256 verify,
# Redis GET round trip), denylist_scaling_bench (check cost and memory as the denylist grows),
# http_exchange_bench (GET /v1/me through the request path in process, without sockets).
# Pinned to one core like scripts/bench-jose.sh; QUICK: one short repetition.
micro_benchmarks() {
  local reps=3 min_time=0.2 pin=() deny_filter='BM_Check/'
  if ((QUICK)); then reps=1; min_time=0.05; deny_filter='BM_Check/(0|1000|10000|100000)/'; fi
  command -v taskset >/dev/null && pin=(taskset -c 0)
  local common=(--benchmark_repetitions="$reps" --benchmark_format=json)

  progress "JWT verify: jwtd vs raw OpenSSL vs libjwt (jose_bench)"
  "${pin[@]}" "$BENCH_BIN/jose_bench" "${common[@]}" --benchmark_min_time="$min_time" \
    --benchmark_filter='^verify/(jwtd|raw|libjwt)/(HS256|RS256|ES256|EdDSA)$' \
    >"$OUT_DIR/jose_bench.json" 2>"$WORK/jose_bench.err"
  "$PY" "$TOP/scripts/bench/gbench_records.py" "$RESULTS" jose "$OUT_DIR/jose_bench.json"

  progress "revocation check, cached verify, Redis GET round trip (revocation_view_bench)"
  "${pin[@]}" "$BENCH_BIN/revocation_view_bench" "${common[@]}" --benchmark_min_time="$min_time" \
    --benchmark_filter='^BM_(Check_1MDenied/threads:1|RedisGetRoundTrip|VerifyES256_Uncached|VerifyES256_Cached/threads:1)' \
    >"$OUT_DIR/revocation_view_bench.json" 2>"$WORK/revocation_view_bench.err"
  "$PY" "$TOP/scripts/bench/gbench_records.py" "$RESULTS" view "$OUT_DIR/revocation_view_bench.json"

  progress "denylist 0 -> 1,000,000 entries: check cost and memory (denylist_scaling_bench)"
  "${pin[@]}" "$BENCH_BIN/denylist_scaling_bench" "${common[@]}" \
    --benchmark_filter="$deny_filter" \
    >"$OUT_DIR/denylist_scaling_bench.json" 2>"$WORK/denylist_scaling_bench.err"
  "$PY" "$TOP/scripts/bench/gbench_records.py" "$RESULTS" denylist "$OUT_DIR/denylist_scaling_bench.json"

  progress "GET /v1/me request path in process: parse, route, verify, log, write (http_exchange_bench)"
  "${pin[@]}" "$BENCH_BIN/http_exchange_bench" "${common[@]}" --benchmark_min_time="$min_time" \
    >"$OUT_DIR/http_exchange_bench.json" 2>"$WORK/http_exchange_bench.err"
  "$PY" "$TOP/scripts/bench/gbench_records.py" "$RESULTS" exchange "$OUT_DIR/http_exchange_bench.json"
}
