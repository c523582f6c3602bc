#!/usr/bin/env python3
"""Writes docs/benchmarks.md and docs/bench/*.svg from one scripts/bench.sh results folder.

  bench_report.py RESULTS_DIR [--doc PATH] [--svg-dir DIR] [--keep-from PATH]

RESULTS_DIR holds results.jsonl (one record per measurement) and machine.json. The sections
between <!-- NAME:begin --> and <!-- NAME:end --> of --keep-from (default: --doc, else
docs/benchmarks.md) are carried over verbatim, in order: the soak, and the figures of the other
benchmark scripts (scripts/bench-feed.sh, the SDKs), which this run does not measure. Also writes RESULTS_DIR/ratios.json (the
targets with their measured values), which tests/bench/check_results.py reads."""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench"))
import report_text  # noqa: E402
import svg  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STORES = [("sqlite", "SQLite"), ("postgres", "PostgreSQL+Redis")]
# Rows of the trade-off table: (row, server configuration measured, delay record).
ROWS = [("stateless (soft logout)", "none", "stateless"),
        ("refresh revocation only", "none", "refresh-only"),
        ("denylist (jti + sid)", "denylist", "denylist"),
        ("token version", "version", "version"),
        ("denylist + version (default)", "denylist+version", "denylist+version")]
ALGS = ["HS256", "RS256", "ES256", "EdDSA"]
VERIFY_IMPLS = [("raw OpenSSL", "raw OpenSSL (ceiling)"), ("jwtd", "jwtd"),
                ("libjwt", "libjwt (C)"), ("fast-jwt[cache=off]", "fast-jwt"),
                ("jose[CryptoKey,await-each]", "jose"), ("jsonwebtoken", "jsonwebtoken"),
                ("pyjwt", "PyJWT")]
JWT_CPP_HS256 = 136_000  # jwt-cpp's own quoted figure (HS256 verify/s), not measured here
KEPT = re.compile(r"<!-- ([a-z0-9-]+):begin -->.*?<!-- \1:end -->", re.S)


class Results:
    def __init__(self, path):
        self.recs = [json.loads(l) for l in open(path) if l.strip()]

    def get(self, section, config=None, store=None, metric=None):
        for r in self.recs:
            if (r["section"] == section and (config is None or r["config"] == config)
                    and (store is None or r["store"] == store)
                    and (metric is None or r["metric"] == metric)):
                return r
        return None

    def med(self, *key):
        r = self.get(*key)
        return None if r is None else r.get("median")

    def spread(self, *key):
        r = self.get(*key)
        if r is None or r.get("median") is None:
            return None
        return (r["median"], r["min"], r["max"])

    def all(self, section, metric=None):
        return [r for r in self.recs
                if r["section"] == section and (metric is None or r["metric"] == metric)]


def num(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def cell(res, key, digits=0, unit=""):
    """median [min-max] of a record, or a dash."""
    s = res.spread(*key)
    if s is None:
        return "—"
    med, lo, hi = s
    if lo == hi:
        return f"{num(med, digits)}{unit}"
    return f"{num(med, digits)}{unit} [{num(lo, digits)}–{num(hi, digits)}]"


def ratios(res):
    """The targets of the earlier issues, each with its measured value and met/missed."""
    out = []

    def add(name, value, text, target, ok):
        out.append({"name": name, "value": value, "text": text, "target": target,
                    "met": None if ok is None else bool(ok)})

    hs, hs_raw = res.med("verify", "jwtd", "-", "HS256"), res.med("verify", "raw OpenSSL", "-", "HS256")
    if hs and hs_raw:
        add("HS256 verify vs raw HMAC", hs / hs_raw, f"{100 * hs / hs_raw:.1f} % "
            f"({num(hs)}/s vs {num(hs_raw)}/s)", ">= 50 %", hs / hs_raw >= 0.5)
        add("HS256 verify ops/s", hs, f"{num(hs)}/s", ">= 1,000,000/s", hs >= 1e6)
        add("HS256 verify vs jwt-cpp (quoted ~136,000/s, not measured here)", hs / JWT_CPP_HS256,
            f"{hs / JWT_CPP_HS256:.1f}x", "faster", hs > JWT_CPP_HS256)
    for alg in ("ES256", "RS256", "EdDSA"):
        j, raw = res.med("verify", "jwtd", "-", alg), res.med("verify", "raw OpenSSL", "-", alg)
        if j and raw:
            add(f"{alg} verify vs raw OpenSSL", j / raw, f"{100 * j / raw:.0f} %", ">= 90 %",
                j / raw >= 0.9)
    me = res.get("http", "denylist+version", "sqlite", "me_req_s")
    me1 = res.get("http", "denylist+version:io1", "sqlite", "me_req_s")
    p99 = res.med("http", "denylist+version", "sqlite", "me_p99_ms")
    p99_1 = res.med("http", "denylist+version:io1", "sqlite", "me_p99_ms")
    for peer in ("express:jsonwebtoken-keyobject:redis", "express:jsonwebtoken:redis"):
        pr = res.med("http_peers", peer, "-", "me_req_s")
        label = report_text.PEER_LABELS.get(peer, peer)
        if me1 and pr:
            r = me1["median"] / pr
            add(f"GET /v1/me, one I/O thread like the peer (`server.io_threads=1`), vs {label}",
                r, f"{r:.1f}x ({num(me1['median'])} vs {num(pr)} req/s)", ">= 10x", r >= 10)
        if me and pr:
            r = me["median"] / pr
            add(f"GET /v1/me, default I/O threads (one per core: 2 next to wrk), vs {label}", r,
                f"{r:.1f}x ({num(me['median'])} vs {num(pr)} req/s)", "(same run)", None)
    floor = res.med("http_peers", "floor:epoll", "-", "me_req_s")
    peer = res.med("http_peers", "express:jsonwebtoken-keyobject:redis", "-", "me_req_s")
    for run, label in ((me1, "one I/O thread"), (me, "default I/O threads")):
        if run and floor:
            add(f"GET /v1/me ({label}) vs the machine's floor (fixed-answer epoll responder)",
                run["median"] / floor,
                f"{100 * run['median'] / floor:.0f} % of {num(floor)} req/s", "(same run)", None)
    if floor and peer:
        add("10x the key-object peer vs the floor", 10 * peer / floor,
            f"{num(10 * peer)} req/s needed, floor {num(floor)} req/s: "
            + ("above this run's floor" if 10 * peer > floor else "below the floor"),
            "(same run)", None)
    ex, ex_allocs = res.med("exchange", "jwtd", "-", "me_ns"), res.med("exchange", "jwtd", "-", "me_allocs")
    parse = res.med("exchange", "beast parser", "-", "me_ns")
    if ex and parse and ex_allocs is not None:
        add("GET /v1/me in process (parse, route, verify + check, log, write) vs Beast's parser alone",
            ex / parse, f"{num(ex)} ns, {ex_allocs:.0f} allocations per request; parser "
            f"{num(parse)} ns", "(same run)", None)
    if p99_1 is not None:
        add("GET /v1/me p99 at 64 connections (SQLite, default, one I/O thread)", p99_1,
            f"{p99_1:.2f} ms", "<= 5 ms", p99_1 <= 5)
    if p99 is not None:
        add("GET /v1/me p99 at 64 connections (SQLite, default)", p99, f"{p99:.2f} ms", "<= 5 ms",
            p99 <= 5)
    ref = res.med("refresh", "denylist+version", "sqlite", "refresh_req_s")
    if ref:
        add("refresh/s on SQLite", ref, f"{num(ref)}/s", ">= 5,000/s", ref >= 5000)
    ref_pg = res.med("refresh", "denylist+version", "postgres", "refresh_req_s")
    if ref_pg:
        add("refresh/s on PostgreSQL", ref_pg, f"{num(ref_pg)}/s", "(measured, no target)", None)
    chk, rt = res.med("view", "jwtd", "memory", "check_1M_denied"), res.med("view", "jwtd", "memory", "redis_get_round_trip")
    if chk:
        add("revocation check with 1 M denied jtis", chk, f"{chk:.1f} ns", "<= 100 ns", chk <= 100)
    if chk and rt:
        add("revocation check vs a Redis GET round trip", rt / chk,
            f"{rt / chk:,.0f}x cheaper ({chk:.0f} ns vs {rt / 1000:.1f} us)", "(same run)", None)
    mem = res.med("view", "jwtd", "memory", "bytes_1M_jtis")
    if mem:
        add("1,000,000 denied jtis in the view", mem, f"{mem / 2**20:.1f} MiB", "<= 64 MiB",
            mem <= 64 * 2**20)
    prop = [r for r in res.all("propagation") if r["config"] == "3"]
    if prop:
        add("propagation p99, 3 nodes (logout 2xx on A -> refused on B and C)", prop[0]["p99"],
            f"{prop[0]['p99']:.2f} ms (p50 {prop[0]['p50']:.2f} ms)", "<= 50 ms",
            prop[0]["p99"] <= 50 and prop[0]["not_refused"] == 0)
    return out


def charts(res):
    """name -> SVG text."""
    out = {}
    cfgs = ["none", "denylist", "version", "denylist+version"]
    labels = ["none ([])", "denylist", "version", "denylist+version"]
    out["me_by_config.svg"] = svg.bars(
        "GET /v1/me req/s by revocation configuration and store (wrk -t1 -c64)", "req/s",
        labels, [(name, [res.spread("http", c, s, "me_req_s") for c in cfgs])
                 for s, name in STORES], xlabel="revocation.strategies")
    series = []
    for impl, label in VERIFY_IMPLS:
        vals = [res.spread("verify", impl, "-", a) for a in ALGS]
        if any(vals):
            series.append((label, vals))
    out["verify_peers.svg"] = svg.bars("JWT verify ops/s, one thread: jwtd vs peers (log scale)",
                                       "verifies/s", ALGS, series, log=True)
    http = [("jwtd (default, SQLite)", res.spread("http", "denylist+version", "sqlite", "me_req_s")),
            ("jwtd, one I/O thread", res.spread("http", "denylist+version:io1", "sqlite",
                                                "me_req_s"))]
    for name, label in report_text.PEER_LABELS.items():
        s = res.spread("http_peers", name, "-", "me_req_s")
        if s:
            http.append((label, s))
    out["http_peers.svg"] = svg.hbars("GET /v1/me: jwtd vs express servers (wrk -t1 -c64)",
                                      "requests/s (median; line: min-max of the runs)",
                                      [(n, v) for n, v in http if v])
    deny = sorted(res.all("denylist", "check_ns"), key=lambda r: int(r["config"]))
    out["denylist_check.svg"] = svg.lines(
        "Revocation check cost as the denylist grows", "ns per check (CPU)",
        [f"{int(r['config']):,}" for r in deny], [("check (jti + sid + version)",
                                                  [r["median"] for r in deny])],
        xlabel="denied jtis in the view")
    sess = sorted(res.all("sessions", "refresh_req_s"), key=lambda r: int(r["config"]))
    out["sessions_refresh.svg"] = svg.lines(
        "Refresh/s as stored sessions grow (SQLite)", "refreshes/s",
        [f"{int(r['config']):,}" for r in sess], [("refresh/s", [r["median"] for r in sess])],
        xlabel="sessions stored")
    prop = sorted(res.all("propagation"), key=lambda r: int(r["config"]))
    out["propagation.svg"] = svg.lines(
        "Revocation delay by node count (PostgreSQL + Redis)", "ms",
        [f"{r['config']} node{'s' if r['config'] != '1' else ''}" for r in prop],
        [("p50", [r["p50"] for r in prop]), ("p99", [r["p99"] for r in prop])],
        xlabel="logout on node A, refusal seen on the other nodes (1 node: on A)")
    return out


def soak_section(path):
    if path and os.path.exists(path):
        kept = [m.group(0) for m in KEPT.finditer(open(path).read())]
        if kept:
            return "\n\n".join(kept)
    return "<!-- soak:begin -->\n<!-- soak:end -->"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results_dir")
    p.add_argument("--doc", default=os.path.join(TOP, "docs", "benchmarks.md"))
    p.add_argument("--svg-dir", default=os.path.join(TOP, "docs", "bench"))
    p.add_argument("--keep-from")
    a = p.parse_args()
    res = Results(os.path.join(a.results_dir, "results.jsonl"))
    machine = json.load(open(os.path.join(a.results_dir, "machine.json")))
    keep = a.keep_from or (a.doc if os.path.exists(a.doc) else
                           os.path.join(TOP, "docs", "benchmarks.md"))
    soak = soak_section(keep)
    targets = ratios(res)
    os.makedirs(a.svg_dir, exist_ok=True)
    for name, text in charts(res).items():
        with open(os.path.join(a.svg_dir, name), "w") as f:
            f.write(text)
    svg_rel = os.path.relpath(a.svg_dir, os.path.dirname(os.path.abspath(a.doc)))
    doc = report_text.render(res, machine, targets, svg_rel, soak, cell, num, ROWS, STORES,
                             ALGS, VERIFY_IMPLS)
    with open(a.doc, "w") as f:
        f.write(doc)
    with open(os.path.join(a.results_dir, "ratios.json"), "w") as f:
        json.dump(targets, f, indent=1)
    print(f"wrote {a.doc} and {len(charts(res))} charts in {a.svg_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
