#!/usr/bin/env python3
"""Turns the JSON lines of scripts/bench-http.sh into the markdown of docs/benchmarks.md."""
import json
import sys

# The target compares with express + jsonwebtoken + a Redis denylist GET; the peers README's
# figure for it (~5,000 req/s) is the key-object variant, the string-secret one is what most
# apps write. Both are judged.
TARGET_PEERS = ["express:jsonwebtoken-keyobject:redis", "express:jsonwebtoken:redis"]
LABELS = {
    "jwtd": "jwtd `GET /v1/me` (ES256, denylist + version, SQLite)",
    "express:none:none": "express 5, no auth (framework ceiling)",
    "express:jsonwebtoken:none": "express + jsonwebtoken (string secret)",
    "express:jsonwebtoken:redis": "express + jsonwebtoken (string secret) + Redis GET",
    "express:jsonwebtoken-keyobject:none": "express + jsonwebtoken (key object)",
    "express:jsonwebtoken-keyobject:redis": "express + jsonwebtoken (key object) + Redis GET",
    "express:fast-jwt:none": "express + fast-jwt",
    "express:fast-jwt:redis": "express + fast-jwt + Redis GET",
}


def main(path, command):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    machine = next(l["machine"] for l in lines if "machine" in l)
    rows = {l["name"]: l for l in lines if "name" in l}
    jwtd = rows.get("jwtd")
    print(f"Machine: nproc={machine['nproc']}, {machine['cpu']}, load average at start "
          f"{machine['load_at_start']}; {machine['date']}, jwtd at {machine['git']}, "
          f"wrk {machine['wrk']}, node {machine['node']}, redis {machine['redis']}.")
    print(f"Command: `{command}`; wrk -t1 -c64 --latency, no pinning (server and wrk share "
          "the cores).\n")
    print("| server | req/s (median) | p50 ms | p99 ms | errors | jwtd/this |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        if name == "jwtd-refresh":
            continue
        ratio = "—" if name == "jwtd" or not jwtd else f"{jwtd['median_req_s'] / r['median_req_s']:.1f}x"
        print(f"| {LABELS.get(name, name)} | {r['median_req_s']:,} | {r['median_p50_ms']} | "
              f"{r['median_p99_ms']} | {r['errors']} | {ratio} |")
    ref = rows.get("jwtd-refresh")
    if ref:
        print("\n| refresh (`POST /oauth/token`, SQLite, synchronous=FULL) | req/s (median) | "
              "p50 ms | p99 ms | 200 | non-200 | socket errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        note = " (pool EXHAUSTED: invalid)" if ref["exhausted"] else ""
        print(f"| jwtd, one distinct refresh token per request{note} | {ref['median_req_s']:,} | "
              f"{ref['median_p50_ms']} | {ref['median_p99_ms']} | {ref['status_200']:,} | "
              f"{ref['status_other']} | {ref['errors']} |")
    print()
    for name in TARGET_PEERS:
        if not jwtd or name not in rows:
            continue
        ratio = jwtd["median_req_s"] / rows[name]["median_req_s"]
        ok = ratio >= 10 and jwtd["median_p99_ms"] <= 5
        print(f"Target /v1/me >= 10x {LABELS[name]} with p99 <= 5 ms: {ratio:.1f}x, "
              f"p99 {jwtd['median_p99_ms']} ms -> {'met' if ok else 'MISSED'}.")
    if ref:
        ok = ref["median_req_s"] >= 5000 and ref["status_other"] == 0 and not ref["exhausted"]
        print(f"Target refresh >= 5,000/s with 0 errors: {ref['median_req_s']:,}/s, "
              f"{ref['status_other']} non-200 -> {'met' if ok else 'MISSED'}.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "scripts/bench-http.sh")
