#!/usr/bin/python3
"""SSF push benchmarks (docs/benchmarks.md "Shared Signals push"), against a real jwtd.

1. Push throughput: SETS session-revoked events are queued on a paused push stream (one login
   and one logout each), the stream is enabled, and the time until jwtd has delivered all of
   them to a local receiver (tests/integration/ssf_receiver.py: HTTP/1.1, verifies every SET with
   PyJWT against the JWKS) gives SETs/s. Median of RUNS.
2. A logout's latency with a dead receiver configured, same run: LOGOUTS logouts timed one by
   one on a kept-open connection, alternating "no push stream" and "two dead push streams" (one
   endpoint that accepts and never answers, one that refuses connections), RUNS times each.

Prints one JSON object; --json FILE writes it too.
"""
import argparse
import base64
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECEIVER = os.path.join(TOP, "tests", "integration", "ssf_receiver.py")
CLIENT, SECRET = "rs1", "bench-secret-0123456789"
BASIC = "Basic " + base64.b64encode(("%s:%s" % (CLIENT, SECRET)).encode()).decode()
PASSWORD = "correct horse battery"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_line(proc, pattern, what, limit=30.0):
    end = time.monotonic() + limit
    seen = []
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            # Keep draining so the process never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return m
    raise SystemExit("%s did not start: %s" % (what, "".join(seen[-5:])))


class Jwtd:
    def __init__(self, binary, workdir):
        env = {k: v for k, v in os.environ.items() if not k.startswith("JWTD_")}
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", workdir, "--listen", "127.0.0.1:0",
             "--set", "password.ops_limit=1", "--set", "password.mem_limit_kib=64",
             "--set", "log.level=warn", "--set", "feed.clients=%s:%s" % (CLIENT, SECRET),
             "--set", "tokens.issuer=http://127.0.0.1", "--set", "ssf.retry_max_ms=1000",
             "--set", "ssf.push_timeout_ms=2000"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        m = wait_line(self.proc, r"listening on http://127\.0\.0\.1:(\d+)", "jwtd")
        self.port = int(m.group(1))
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return c

    def call(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        c = self.conn()
        c.request(method, path, data, h)
        r = c.getresponse()
        text = r.read()
        return r.status, (json.loads(text) if text and text[:1] in b"{[" else text)

    def metric(self, name):
        _, text = self.call("GET", "/metrics")
        m = re.search(r"^%s (\d+)" % re.escape(name), text.decode(), re.M)
        return int(m.group(1)) if m else 0

    def login(self, user):
        status, body = self.call("POST", "/v1/login", {"username": user, "password": PASSWORD})
        if status != 200:
            raise SystemExit("login answered %d: %s" % (status, body))
        return body["access_token"]

    def logout(self, access):
        status, _ = self.call("POST", "/v1/logout", {}, {"Authorization": "Bearer " + access})
        if status != 204:
            raise SystemExit("logout answered %d" % status)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


def parallel(n, threads, fn):
    """Runs fn(i) for i in range(n) on `threads` threads; returns the results in order."""
    out = [None] * n

    def work(k):
        for i in range(k, n, threads):
            out[i] = fn(i)

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def wait_until(pred, limit, what):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.01)
    raise SystemExit("timed out waiting for " + what)


def push_throughput(jwtd, stream_id, sets, users):
    """Queues `sets` events on the paused stream, enables it, times their delivery."""
    st, _ = jwtd.call("POST", "/ssf/status", {"stream_id": stream_id, "status": "paused"},
                      {"Authorization": BASIC})
    assert st == 200, st
    parallel(sets, 4, lambda i: jwtd.logout(jwtd.login(users[i % len(users)])))
    wait_until(lambda: jwtd.metric("jwtd_ssf_events_queued") >= sets, 30, "the queue to fill")
    before = jwtd.metric("jwtd_ssf_delivered_total")
    start = time.monotonic()
    st, _ = jwtd.call("POST", "/ssf/status", {"stream_id": stream_id, "status": "enabled"},
                      {"Authorization": BASIC})
    assert st == 200, st
    wait_until(lambda: jwtd.metric("jwtd_ssf_delivered_total") - before >= sets, 120,
               "delivery of %d SETs" % sets)
    return sets / (time.monotonic() - start)


def logout_latencies(jwtd, logouts, users):
    tokens = parallel(logouts, 4, lambda i: jwtd.login(users[i % len(users)]))
    ms = []
    for t in tokens:
        start = time.perf_counter()
        jwtd.logout(t)
        ms.append((time.perf_counter() - start) * 1000)
    ms.sort()
    return {"p50_ms": ms[len(ms) // 2], "p99_ms": ms[int(len(ms) * 0.99) - 1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("jwtd")
    ap.add_argument("--sets", type=int, default=5000)
    ap.add_argument("--logouts", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as work:
        jwtd = Jwtd(args.jwtd, work)
        receiver = None
        dead = socket.socket()
        try:
            users = ["bench%d" % i for i in range(8)]  # spread the login limiter's keys
            for u in users:
                st, body = jwtd.call("POST", "/v1/users", {"username": u, "password": PASSWORD})
                assert st == 201, (st, body)
            rport = free_port()
            receiver = subprocess.Popen(
                ["/usr/bin/python3", RECEIVER, "--jwks-url",
                 "http://127.0.0.1:%d/.well-known/jwks.json" % jwtd.port, "--issuer",
                 "http://127.0.0.1", "--audience", CLIENT, "--out",
                 os.path.join(work, "sets"), "--port", str(rport)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            wait_line(receiver, r"listening on", "ssf_receiver.py")

            auth = {"Authorization": BASIC}
            st, stream = jwtd.call("POST", "/ssf/streams", {"delivery": {
                "method": "urn:ietf:rfc:8935",
                "endpoint_url": "http://127.0.0.1:%d/events" % rport}}, auth)
            assert st == 201, (st, stream)
            time.sleep(0.5)  # the pusher's scan starts the stream's sender
            rates = [push_throughput(jwtd, stream["stream_id"], args.sets, users)
                     for _ in range(args.runs)]
            with open(os.path.join(work, "sets.rejected"), "a+") as f:
                f.seek(0)
                rejected = f.read()
            if rejected:
                raise SystemExit("the receiver rejected SETs: " + rejected[:500])
            st, _ = jwtd.call("DELETE", "/ssf/streams?stream_id=" + stream["stream_id"],
                              None, auth)
            assert st == 204, st

            # The dead receivers: one accepts (the kernel's backlog) and never answers, one port
            # refuses. Configured, they fail every push; a logout must not notice.
            dead.bind(("127.0.0.1", 0))
            dead.listen(1024)
            dead_urls = ["http://127.0.0.1:%d/x" % dead.getsockname()[1],
                         "http://127.0.0.1:%d/y" % free_port()]
            without, with_dead = [], []
            for _ in range(args.runs):
                without.append(logout_latencies(jwtd, args.logouts, users))
                ids = []
                for url in dead_urls:
                    st, s = jwtd.call("POST", "/ssf/streams", {"delivery": {
                        "method": "urn:ietf:rfc:8935", "endpoint_url": url}}, auth)
                    assert st == 201, (st, s)
                    ids.append(s["stream_id"])
                time.sleep(0.5)  # their senders start and begin failing
                with_dead.append(logout_latencies(jwtd, args.logouts, users))
                for i in ids:
                    jwtd.call("DELETE", "/ssf/streams?stream_id=" + i, None, auth)
            failed = jwtd.metric("jwtd_ssf_failed_total")
        finally:
            dead.close()
            if receiver:
                receiver.terminate()
                receiver.wait(timeout=10)
            jwtd.stop()

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    result = {
        "push_sets": args.sets,
        "push_sets_per_s": statistics.median(rates),
        "push_sets_per_s_runs": rates,
        "logouts": args.logouts,
        "logout_p50_ms_without": med(without, "p50_ms"),
        "logout_p99_ms_without": med(without, "p99_ms"),
        "logout_p50_ms_dead_receiver": med(with_dead, "p50_ms"),
        "logout_p99_ms_dead_receiver": med(with_dead, "p99_ms"),
        "failed_pushes_to_dead_receivers": failed,
        "runs": args.runs,
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
