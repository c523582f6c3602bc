#!/usr/bin/env python3
"""Sanity checks of a scripts/bench.sh results folder (ctest bench_quick): every expected
measurement is present and positive, the ratios of the targets were computed, the revocation
delays behave as each configuration promises, and the report and every chart were written
(the charts parse as SVG). Speed is not judged here: that is the benchmark's job.

  check_results.py RESULTS_BASE   (the newest <stamp>/ folder under it is checked)"""
import json
import os
import sys
import xml.etree.ElementTree as ET

CFGS = ["none", "denylist", "version", "denylist+version"]
STORES = ["sqlite", "postgres"]
ALGS = ["HS256", "RS256", "ES256", "EdDSA"]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def expected():
    keys = []
    for alg in ALGS:
        for impl in ("jwtd", "raw OpenSSL", "fast-jwt[cache=off]", "jose[CryptoKey,await-each]",
                     "pyjwt"):
            keys.append(("verify", impl, "-", alg))
    for alg in ("HS256", "RS256", "ES256"):
        keys += [("verify", "libjwt", "-", alg), ("verify", "jsonwebtoken", "-", alg)]
    for m in ("check_1M_denied", "redis_get_round_trip", "verify_es256_cached",
              "verify_es256_uncached", "bytes_1M_jtis"):
        keys.append(("view", "jwtd", "memory", m))
    for n in ("0", "1000", "10000", "100000"):
        keys.append(("denylist", n, "memory", "check_ns"))
    for store in STORES:
        for cfg in CFGS:
            keys.append(("state", cfg, store, "bytes_per_session"))
            for m in ("me_req_s", "me_p50_ms", "me_p99_ms"):
                keys.append(("http", cfg, store, m))
        keys.append(("refresh", "denylist+version", store, "refresh_req_s"))
    keys.append(("http_peers", "express:jsonwebtoken-keyobject:redis", "-", "me_req_s"))
    keys.append(("http_peers", "floor:epoll", "-", "me_req_s"))
    keys.append(("http", "denylist+version:io1", "sqlite", "me_req_s"))
    keys.append(("exchange", "jwtd", "-", "me_ns"))
    keys.append(("exchange", "jwtd", "-", "me_allocs"))
    keys.append(("exchange", "beast parser", "-", "me_ns"))
    return keys


def main(base):
    stamps = sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d)))
    check(stamps, f"no results folder under {base}")
    if not stamps:
        return report()
    d = os.path.join(base, stamps[-1])
    recs = [json.loads(l) for l in open(os.path.join(d, "results.jsonl")) if l.strip()]
    index = {(r["section"], r["config"], r["store"], r["metric"]): r for r in recs}
    for key in expected():
        r = index.get(key)
        check(r is not None, f"missing measurement {key}")
        if r is not None:
            check(r["runs"] and r["median"] is not None and r["median"] > 0,
                  f"{key}: median {r.get('median')} not > 0")
            check(r["median"] is None or r["min"] <= r["median"] <= r["max"], f"{key}: spread")
    # A revocation may fit in pages the store already has (PostgreSQL updates in place): >= 0.
    for store in STORES:
        for cfg in CFGS:
            r = index.get(("state", cfg, store, "bytes_per_revocation"))
            check(r is not None and r["median"] >= 0, f"bytes per revocation, {cfg} on {store}")
    for store in STORES:
        r = index.get(("http", "none", store, "me_req_s"))
        pg = index.get(("http", "none", "postgres", "store_statements_per_request"))
        check(pg is not None and pg["median"] >= 0, "PostgreSQL statements per request missing")
        for cfg in ("denylist", "version", "denylist+version"):
            r = index.get(("delay", cfg, store, "revocation_delay_ms"))
            check(r is not None and r["runs"] and r["not_refused"] == 0,
                  f"{cfg} on {store}: the old token was not refused after the logout")
        for cfg in ("stateless", "refresh-only"):
            r = index.get(("delay", cfg, store, "revocation_delay_ms"))
            check(r is not None and r["not_refused"] == r["samples"] > 0,
                  f"{cfg} on {store}: the access token should live until exp")
    sessions = [r for r in recs if r["section"] == "sessions"]
    check(len(sessions) >= 2 and all(r["median"] > 0 for r in sessions), "sessions curve")
    prop = {r["config"]: r for r in recs if r["section"] == "propagation"}
    for n in ("1", "2", "3"):
        r = prop.get(n)
        check(r is not None and len(r["runs"]) > 0 and r["not_refused"] == 0 and r["p99"] > 0,
              f"propagation with {n} node(s)")
    check_outputs(d)
    return report()


def check_outputs(d):
    machine = json.load(open(os.path.join(d, "machine.json")))
    for k in ("cpu", "cores", "kernel", "openssl", "node", "postgres", "redis", "load_at_end"):
        check(machine.get(k) not in (None, ""), f"machine fact {k} missing")
    ratios = json.load(open(os.path.join(d, "ratios.json")))
    names = " | ".join(t["name"] for t in ratios)
    for want in ("HS256 verify vs raw HMAC", "jwt-cpp", "ES256 verify vs raw OpenSSL",
                 "GET /v1/me, one I/O thread like the peer", "GET /v1/me, default I/O threads",
                 "revocation check vs a Redis GET", "propagation p99",
                 "refresh/s on SQLite", "refresh/s on PostgreSQL", "1,000,000 denied jtis"):
        check(want in names, f"ratio/target '{want}' not computed")
    for t in ratios:
        check(isinstance(t["value"], (int, float)) and t["value"] > 0, f"ratio {t['name']} <= 0")
    doc = open(os.path.join(d, "benchmarks.md")).read()
    svgs = sorted(f for f in os.listdir(os.path.join(d, "bench")) if f.endswith(".svg"))
    check(len(svgs) >= 5, f"only {len(svgs)} charts")
    for f in svgs:
        check(f"bench/{f})" in doc, f"{f} not linked from the report")
        root = ET.parse(os.path.join(d, "bench", f)).getroot()
        check(root.tag == "{http://www.w3.org/2000/svg}svg", f"{f}: root is {root.tag}")
        check(len(list(root.iter("{http://www.w3.org/2000/svg}text"))) >= 5, f"{f}: no text")
    check("<!-- soak:begin -->" in doc and "<!-- soak:end -->" in doc, "soak markers missing")
    check("—" not in doc.split("## Targets")[1].split("##")[0].replace("| — |", ""),
          "a target row has no value")


def report():
    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
