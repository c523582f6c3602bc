#!/usr/bin/env bash
# Forward-auth benchmark in ONE invocation (the machine is shared and noisy: ratios taken in the
# same run hold, absolute figures drift):
#   - jwtd GET /v1/me and GET /v1/authz directly (the same bearer check; /v1/authz has no body);
#   - nginx in front of a trivial upstream, without auth (/open/) and with auth_request to
#     jwtd's /v1/authz (/api/, bench/gateway/nginx.conf.in): req/s ratio and p99 added, both at
#     saturation (every connection sends its next request at once) and paced below it (each
#     connection waits PACE_MS between requests: the latency a gateway adds when it is not
#     the bottleneck; at saturation the added latency is the lost throughput, 64 / req/s).
#
#   scripts/bench-gateway.sh [--quick]
#
# wrk -t1 -c$CONNS --latency (bench/http/bearer.lua), warm-up then RUNS x DURATION per target,
# medians. Nothing is pinned: nginx (1 worker), jwtd and wrk share the cores. Every process
# started here is stopped by its PID.
# Env: RUNS (3; quick 1) DURATION (10s; quick 3s) CONNS (64) WARMUP (2s) PACE_MS (10)
#      JWTD (path; else scripts/build.sh release jwtd) OUT (build/bench-gateway/<time>.jsonl)
#      KEEP=1
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0
if [[ ${1:-} == --quick ]]; then quick=1; shift; fi
if [[ $# -gt 0 ]]; then echo "usage: scripts/bench-gateway.sh [--quick]" >&2; exit 2; fi
if ((quick)); then RUNS=${RUNS:-1}; DURATION=${DURATION:-3s}; fi
RUNS=${RUNS:-3}; DURATION=${DURATION:-10s}; CONNS=${CONNS:-64}
for tool in wrk curl /usr/sbin/nginx /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
WRK=(wrk -t1 -c"$CONNS" --latency)
lua=$top/bench/http/bearer.lua

work=$(mktemp -d /tmp/jwtd-bench-gateway.XXXXXX)
mkdir -p "$top/build/bench-gateway"
OUT=${OUT:-$top/build/bench-gateway/$(date -u +%Y%m%dT%H%M%SZ).jsonl}
# Processes by PID, free ports: the helpers scripts/bench.sh uses.
TOP=$top
# shellcheck source=scripts/bench/lib.sh
source "$top/scripts/bench/lib.sh"
# The benchmark user (register_user, login_token) of scripts/bench.sh.
# shellcheck source=scripts/bench/jwtd.sh
source "$top/scripts/bench/jwtd.sh"
trap 'stop_all; [[ ${KEEP:-0} == 1 ]] || rm -rf "$work"' EXIT
emit() { echo "$1" | tee -a "$OUT"; }

if [[ -z ${JWTD:-} ]]; then
  "$top/scripts/build.sh" release jwtd >&2
  JWTD=$top/build/release/src/cli/jwtd
fi

emit "$(printf '{"machine":{"nproc":%s,"load_at_start":"%s","date":"%s","git":"%s","nginx":"%s"}}' \
  "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(date -u +%FT%TZ)" \
  "$(git -C "$top" rev-parse --short HEAD)" "$(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||')")"

# --- jwtd -------------------------------------------------------------------------------------
jport=$(free_port)
mkdir -p "$work/data"
spawn "$work/jwtd.out" env $(env | grep -o '^JWTD_[A-Za-z0-9_]*' | sed 's/^/-u /') \
  "$JWTD" serve --data-dir "$work/data" --listen "127.0.0.1:$jport" \
  --set password.ops_limit=1 --set password.mem_limit_kib=64 --set log.level=warn
wait_port "$jport"
base=http://127.0.0.1:$jport
register_user "$base"
TOKEN=$(login_token "$base")
[[ -n $TOKEN ]] || { echo "login on $base failed" >&2; exit 1; }
export TOKEN

# --- nginx ------------------------------------------------------------------------------------
nport=$(free_port); uport=$(free_port)
sed -e "s|@DIR@|$work|g" -e "s|@JWTD@|$jport|g" -e "s|@PORT@|$nport|g" -e "s|@UPSTREAM@|$uport|g" \
  "$top/bench/gateway/nginx.conf.in" >"$work/nginx.conf"
spawn "$work/nginx.log" /usr/sbin/nginx -e stderr -p "$work" -c "$work/nginx.conf" \
  -g 'daemon off; error_log stderr warn;'
wait_port "$nport"
gw=http://127.0.0.1:$nport
for probe in "$base/v1/me" "$base/v1/authz" "$gw/api/x" "$gw/open/x"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$probe")
  [[ $code == 200 ]] || { echo "$probe answered $code" >&2; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$gw/api/x")
[[ $code == 401 ]] || { echo "$gw/api/x without a token answered $code, not 401" >&2; exit 1; }

measure() {  # name url
  echo "$1" >&2
  "${WRK[@]}" -d"${WARMUP:-2s}" -s "$lua" "$2" >/dev/null
  for _ in $(seq 1 "$RUNS"); do "${WRK[@]}" -d"$DURATION" -s "$lua" "$2" | grep '^{'; done |
    NAME=$1 /usr/bin/python3 -c '
import json, os, statistics, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
med = lambda k: statistics.median(r[k] for r in rs)
print(json.dumps({"name": os.environ["NAME"], "median_req_s": round(med("req_per_s")),
                  "median_p50_ms": round(med("p50_ms"), 3), "median_p99_ms": round(med("p99_ms"), 3),
                  "errors": sum(r["errors"] for r in rs), "runs": rs}))'
}
emit "$(measure jwtd-me "$base/v1/me")"
emit "$(measure jwtd-authz "$base/v1/authz")"
emit "$(measure nginx-open "$gw/open/x")"
emit "$(measure nginx-auth "$gw/api/x")"
export PACE_MS=${PACE_MS:-10}
emit "$(measure nginx-open-paced "$gw/open/x")"
emit "$(measure nginx-auth-paced "$gw/api/x")"

/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
rows = {r["name"]: r for r in map(json.loads, open(sys.argv[1])) if "name" in r}
print("\n| target | req/s (median) | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|")
for name, r in rows.items():
    print(f"| {name} | {r['median_req_s']:,} | {r['median_p50_ms']} | {r['median_p99_ms']} | {r['errors']} |")
me, az, op, au = (rows[n] for n in ("jwtd-me", "jwtd-authz", "nginx-open", "nginx-auth"))
print(f"\n/v1/authz vs /v1/me req/s: {az['median_req_s'] / me['median_req_s']:.2f}x")
print(f"nginx with auth_request vs without: req/s {au['median_req_s'] / op['median_req_s']:.2f}x, "
      f"p99 added {au['median_p99_ms'] - op['median_p99_ms']:.3f} ms, "
      f"p50 added {au['median_p50_ms'] - op['median_p50_ms']:.3f} ms (saturated)")
po, pa = rows["nginx-open-paced"], rows["nginx-auth-paced"]
print(f"paced ({po['median_req_s']:,} vs {pa['median_req_s']:,} req/s offered alike): "
      f"p99 added {pa['median_p99_ms'] - po['median_p99_ms']:.3f} ms, "
      f"p50 added {pa['median_p50_ms'] - po['median_p50_ms']:.3f} ms")
PY
