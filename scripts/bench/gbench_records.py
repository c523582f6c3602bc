#!/usr/bin/env python3
"""Google Benchmark JSON -> results.jsonl records (scripts/bench.sh).

  gbench_records.py RESULTS kind FILE
kind: jose (verify ops/s per implementation and alg), view (revocation check, cached and
uncached ES256 verify, Redis GET round trip, view memory), denylist (check ns and bytes per
entry as the denylist grows), exchange (GET /v1/me through jwtd's request path in process, ns
and allocations per request, and Beast's parser alone). Every repetition is one run; the record keeps median/min/max."""
import collections
import json
import re
import statistics
import sys

IMPL = {"jwtd": "jwtd", "raw": "raw OpenSSL", "libjwt": "libjwt"}


def emit(out, section, config, store, metric, unit, runs):
    runs = [float(r) for r in runs]
    out.write(json.dumps({"section": section, "config": config, "store": store, "metric": metric,
                          "unit": unit, "runs": runs, "median": statistics.median(runs),
                          "min": min(runs), "max": max(runs)}) + "\n")


def iterations(data):
    """run_name -> list of per-repetition benchmark entries."""
    runs = collections.defaultdict(list)
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            runs[b["run_name"]].append(b)
    return runs


def ns(b):
    """CPU time per iteration (the machine is shared: wall time would count preemption),
    except for cases measured in real time (the Redis round trip waits on another process)."""
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    key = "real_time" if b["name"].endswith("/real_time") else "cpu_time"
    return b[key] * scale


def jose(out, runs):
    for name, bs in runs.items():
        m = re.fullmatch(r"verify/(\w+)/(\w+)", name)
        if m and m.group(1) in IMPL:
            emit(out, "verify", IMPL[m.group(1)], "-", m.group(2), "ops/s",
                 [b["items_per_second"] for b in bs])


def view(out, runs):
    names = {"BM_Check_1MDenied/threads:1": ("check_1M_denied", "ns"),
             "BM_RedisGetRoundTrip/real_time": ("redis_get_round_trip", "ns"),
             "BM_VerifyES256_Uncached": ("verify_es256_uncached", "ns"),
             "BM_VerifyES256_Cached/threads:1": ("verify_es256_cached", "ns")}
    for name, bs in runs.items():
        if name in names:
            metric, unit = names[name]
            emit(out, "view", "jwtd", "memory", metric, unit, [ns(b) for b in bs])
        if name == "BM_Check_1MDenied/threads:1":
            emit(out, "view", "jwtd", "memory", "bytes_1M_jtis", "bytes",
                 [b["approx_bytes"] for b in bs])
            emit(out, "view", "jwtd", "memory", "rss_1M_jtis", "bytes",
                 [b["rss_delta_bytes"] for b in bs])


def denylist(out, runs):
    for name, bs in runs.items():
        m = re.fullmatch(r"BM_Check/(\d+)(/.*)?", name)
        if not m:
            continue
        n = m.group(1)
        emit(out, "denylist", n, "memory", "check_ns", "ns", [ns(b) for b in bs])
        if int(n) > 0:
            emit(out, "denylist", n, "memory", "bytes_per_entry", "bytes",
                 [b["bytes_per_entry"] for b in bs])
            emit(out, "denylist", n, "memory", "rss_bytes_per_entry", "bytes",
                 [b["rss_bytes_per_entry"] for b in bs])


def exchange(out, runs):
    for name, bs in runs.items():
        if name == "BM_MeExchange":
            emit(out, "exchange", "jwtd", "-", "me_ns", "ns", [ns(b) for b in bs])
            emit(out, "exchange", "jwtd", "-", "me_allocs", "allocations",
                 [b["allocs_per_req"] for b in bs])
        elif name == "BM_ParseOnly":
            emit(out, "exchange", "beast parser", "-", "me_ns", "ns", [ns(b) for b in bs])


def main(results, kind, path):
    data = json.load(open(path))
    with open(results, "a") as out:
        {"jose": jose, "view": view, "denylist": denylist,
         "exchange": exchange}[kind](out, iterations(data))


if __name__ == "__main__":
    main(*sys.argv[1:])
