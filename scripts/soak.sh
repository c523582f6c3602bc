#!/usr/bin/env bash
# Soak: holds mixed wrk load on one `jwtd serve` for DURATION and reports whether anything grows.
#
#   scripts/soak.sh            (WARMUP=3m, then DURATION=10m measured; not part of ctest)
#
# 1. Builds Release jwtd (scripts/build.sh release jwtd) unless JWTD=/path/to/jwtd is given.
# 2. Starts it on a free loopback port, temp data dir, SQLite (durable commits), cheap Argon2id
#    (ops 1, 64 KiB), access tokens of ACCESS_TTL seconds (default 120: the denylist reaches its
#    steady size inside the run, so its growth cannot pass for a leak), registers USERS users.
# 3. Runs wrk -t$CONNS -c$CONNS with bench/soak/mixed.lua (logins, /v1/me, refreshes, logouts,
#    the logged-out token refused) in one-minute slices, sampling RSS and open fds after each.
#    The first WARMUP minutes fill what is bounded by design (the verified-token cache, SQLite's
#    page caches, the denylist up to its TTL) and are reported but not the baseline: growth is
#    judged from the end of the warm-up to the end of the run.
# 4. Prints a markdown report: per-minute requests, p50/p99, unexpected answers (anything but
#    the contract's answer; the 401 after a logout is expected), RSS and fds, and a verdict.
# Env: DURATION (10m: whole minutes, after the warm-up) WARMUP (3m) CONNS (4) USERS (16) ACCESS_TTL (120) JWTD OUT (report file)
#      SOAK_SERVE_ARGS (extra `jwtd serve` flags, word-split, e.g. "--set tokens.verified_cache_entries=0")
# Every process started here is stopped by its PID.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10m}
WARMUP=${WARMUP:-3m}
CONNS=${CONNS:-4}
USERS=${USERS:-16}
ACCESS_TTL=${ACCESS_TTL:-120}
minutes=${DURATION%m}
warmup=${WARMUP%m}
[[ $minutes =~ ^[0-9]+$ && $minutes -gt 0 ]] || { echo "DURATION must be whole minutes (e.g. 10m)" >&2; exit 2; }
[[ $warmup =~ ^[0-9]+$ ]] || { echo "WARMUP must be whole minutes (e.g. 3m, or 0m)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }

if [[ -z ${JWTD:-} ]]; then
  "$top/scripts/build.sh" release jwtd >&2
  JWTD=$(find "$top/build/release" -name jwtd -type f -perm -u+x | head -1)
fi
work=$(mktemp -d /tmp/jwtd-soak-XXXXXX)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$JWTD" serve --data-dir "$work/data" --listen 127.0.0.1:0 --set password.ops_limit=1 \
  --set password.mem_limit_kib=64 --set "tokens.access_ttl=$ACCESS_TTL" ${SOAK_SERVE_ARGS:-} \
  >"$work/jwtd.log" 2>&1 &
pid=$!
port=
for _ in $(seq 300); do
  port=$(grep -oE 'listening on http://127\.0\.0\.1:[0-9]+' "$work/jwtd.log" | grep -oE '[0-9]+$' || true)
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { echo "jwtd did not start:" >&2; cat "$work/jwtd.log" >&2; exit 1; }
base=http://127.0.0.1:$port
export PASSWORD="correct horse staple" USERS
for i in $(seq 0 $((USERS - 1))); do
  curl -sf -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"username\":\"soak$i\",\"password\":\"$PASSWORD\"}" "$base/v1/users"
done

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }

rss_kib_of() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }

# The baseline is the end of the warm-up (or of minute 1 without one): what fills to a bound by
# design has filled by then, so growth after it is what a leak would look like.
rss0=$(rss_kib); fd0=$(fds)
base_at=$((warmup > 0 ? warmup : 1))
rows=()
rss1=; fd1=; rss_mid=
total_req=0; total_bad=0; total_sock=0; total_401=0
for m in $(seq 1 $((warmup + minutes))); do
  line=$(wrk -t"$CONNS" -c"$CONNS" -d60s --latency -s "$top/bench/soak/mixed.lua" "$base" \
    | grep '^{"requests"')
  rss=$(rss_kib); fd=$(fds)
  [[ $m -eq $base_at ]] && { rss1=$rss; fd1=$fd; }
  [[ $m -eq $((warmup + (minutes + 1) / 2)) ]] && rss_mid=$rss
  read -r req rps p50 p99 max sock ok bad e401 < <(python3 -c '
import json,sys; d=json.loads(sys.argv[1])
print(d["requests"], d["req_per_s"], d["p50_ms"], d["p99_ms"], d["max_ms"], d["socket_errors"], d["ok"], d["bad"], d["expected_401"])' "$line")
  total_req=$((total_req + req)); total_bad=$((total_bad + bad)); total_sock=$((total_sock + sock))
  total_401=$((total_401 + e401))
  label=$((m - warmup)); ((m <= warmup)) && label="warm-up $m"
  rows+=("| $label | $req | $rps | $p50 | $p99 | $max | $bad | $sock | $((rss / 1024)) | $fd |")
  echo "minute $label: $line rss_kib=$rss anon_kib=$(rss_kib_of RssAnon) file_kib=$(rss_kib_of RssFile) fds=$fd" >&2
done
rss_end=$(rss_kib); fd_end=$(fds)
anon_end=$(rss_kib_of RssAnon)
kill -0 "$pid" || { echo "jwtd died during the soak" >&2; exit 1; }

error_rate=$(python3 -c "print(f'{100.0 * ($total_bad + $total_sock) / max($total_req, 1):.4f}')")
# Growth beyond noise: RSS up more than 10 % and 8 MiB from the baseline to the end, or fds up
# by more than 4 (wrk's connections come and go between slices).
verdict=$(python3 -c "
r1, rm, r2, f1, f2 = $rss1, ${rss_mid:-$rss1}, $rss_end, $fd1, $fd_end
grow = r2 - r1 > max(0.10 * r1, 8192) or f2 - f1 > 4
print(('GROWTH: ' if grow else 'no growth beyond noise: ') +
      f'RSS {r1 // 1024} -> {r2 // 1024} MiB ({(r2 - r1) / 1024:+.0f} MiB; second half {(r2 - rm) / 1024:+.0f} MiB), '
      f'fds {f1} -> {f2} (' + ('end of warm-up' if $warmup > 0 else 'minute 1') + ' -> end)')")

report=$(cat <<MD
Command: \`WARMUP=$WARMUP DURATION=$DURATION CONNS=$CONNS USERS=$USERS ACCESS_TTL=$ACCESS_TTL SOAK_SERVE_ARGS='${SOAK_SERVE_ARGS:-}' scripts/soak.sh\`
($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared with other work; jwtd on SQLite (each
acknowledged write fsynced), Argon2id ops 1 / 64 KiB, access TTL ${ACCESS_TTL} s; wrk -t$CONNS -c$CONNS with
bench/soak/mixed.lua: per session login, 6x GET /v1/me, 2 refreshes, logout (Bearer or refresh
token by turn), then the logged-out access token, which must get 401.)

| minute | requests | req/s | p50 ms | p99 ms | max ms | unexpected answers | socket errors | RSS MiB | fds |
|---|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")

- Requests: $total_req; unexpected answers + socket errors: $((total_bad + total_sock))
  (error rate $error_rate %); expected 401s after logout: $total_401.
- At start (before load): RSS $((rss0 / 1024)) MiB, $fd0 fds; end: RSS $((rss_end / 1024)) MiB
  (anonymous $((anon_end / 1024)) MiB), $fd_end fds.
- Verdict: $verdict.
MD
)
echo "$report"
[[ -n ${OUT:-} ]] && echo "$report" >"$OUT"
exit 0
