#!/usr/bin/env bash
# Introspection benchmark (docs/benchmarks.md "Introspection"): POST /oauth/introspect of an
# access token by an authenticated introspection client, against GET /v1/me with the same token
# on the same jwtd in the same run, alternated RUNS times; wrk -t1 -c$CONNS, medians.
#
#   scripts/bench-introspect.sh
#
# Env: RUNS (3) DURATION (10s) CONNS (64) WARMUP (2s) JWTD (path; else scripts/build.sh release jwtd)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}; DURATION=${DURATION:-10s}; CONNS=${CONNS:-64}
for tool in wrk curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (scripts/install-deps.sh)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/jwtd-bench-introspect.XXXXXX)
TOP=$top
# shellcheck source=scripts/bench/lib.sh
source "$top/scripts/bench/lib.sh"
# The benchmark user (register_user, login_token) of scripts/bench.sh.
# shellcheck source=scripts/bench/jwtd.sh
source "$top/scripts/bench/jwtd.sh"
trap 'stop_all; rm -rf "$work"' EXIT
if [[ -z ${JWTD:-} ]]; then
  "$top/scripts/build.sh" release jwtd >&2
  JWTD=$top/build/release/src/cli/jwtd
fi
secret=bench-introspect-$RANDOM$RANDOM$RANDOM
port=$(free_port)
mkdir -p "$work/data"
spawn "$work/jwtd.out" env $(env | grep -o '^JWTD_[A-Za-z0-9_]*' | sed 's/^/-u /') \
  "$JWTD" serve --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --set password.ops_limit=1 --set password.mem_limit_kib=64 --set log.level=warn \
  --set "introspection.clients=rs1:$secret"
wait_port "$port"
base=http://127.0.0.1:$port
register_user "$base"
TOKEN=$(login_token "$base")
[[ -n $TOKEN ]] || { echo "login on $base failed" >&2; exit 1; }
BASIC=$(printf 'rs1:%s' "$secret" | base64 -w0)
export TOKEN BASIC
active=$(curl -sf -XPOST -H "Authorization: Basic $BASIC" -d "token=$TOKEN" "$base/oauth/introspect")
[[ $active == '{"active":true'* ]] || { echo "introspection answered: $active" >&2; exit 1; }

WRK=(wrk -t1 -c"$CONNS" --latency)
me=$top/bench/http/bearer.lua
intro=$top/bench/http/introspect.lua
"${WRK[@]}" -d"${WARMUP:-2s}" -s "$intro" "$base/oauth/introspect" >/dev/null
for _ in $(seq 1 "$RUNS"); do
  "${WRK[@]}" -d"$DURATION" -s "$me" "$base/v1/me" | grep '^{' | sed 's/^{/{"name":"me",/'
  "${WRK[@]}" -d"$DURATION" -s "$intro" "$base/oauth/introspect" | grep '^{' |
    sed 's/^{/{"name":"introspect",/'
done | /usr/bin/python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
def med(name, key):
    return statistics.median(r[key] for r in rows if r["name"] == name)
out = {n: {k: med(n, k) for k in ("req_per_s", "p50_ms", "p99_ms")} for n in ("me", "introspect")}
out["errors"] = sum(r["errors"] for r in rows)
out["introspect_vs_me"] = out["introspect"]["req_per_s"] / out["me"]["req_per_s"]
out["runs"] = rows
print(json.dumps(out, indent=1))'
