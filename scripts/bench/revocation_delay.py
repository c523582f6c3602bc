#!/usr/bin/env python3
"""Revocation delay: from the logout's 2xx on node A until the old access token is refused.

  revocation_delay.py --login URL --poll URL[,URL...] --user U --password P --samples N
                      [--action logout|logout-all|none] [--give-up-ms MS]

Per sample: log in on A, check every polled node accepts the access token (GET /v1/me 200),
end the session on A (POST /v1/logout or /v1/logout-all with the Bearer token; "none" is the
client-side soft logout: no server call), then poll every node round-robin on kept-alive
connections until each answers 401. One delay per (sample, polled node), in ms; a node still
accepting after --give-up-ms counts as "not refused" (the token lives until exp).
Prints one JSON object: {"delays_ms":[...], "not_refused":K, "samples":N, "polled":M}."""
import argparse
import http.client
import json
import sys
import time
import urllib.parse


class Node:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        for attempt in range(2):  # a kept-alive connection the server closed: reconnect once
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def one_sample(a, login, polled, creds):
    status, body = login.call("POST", "/v1/login", creds)
    if status != 200:
        sys.exit(f"login answered {status}")
    token = json.loads(body)["access_token"]
    for n in polled:
        deadline = time.monotonic() + 5
        while n.call("GET", "/v1/me", token=token)[0] != 200:
            if time.monotonic() > deadline:
                sys.exit("a fresh token was refused")
            time.sleep(0.005)
    if a.action != "none":
        status, _ = login.call("POST", "/v1/" + a.action, b"{}", token)
        if status // 100 != 2:
            sys.exit(f"{a.action} answered {status}")
    t0 = time.monotonic()
    pending = {i: None for i in range(len(polled))}
    give_up = t0 + a.give_up_ms / 1000
    while any(v is None for v in pending.values()) and time.monotonic() < give_up:
        for i, n in enumerate(polled):
            if pending[i] is None and n.call("GET", "/v1/me", token=token)[0] == 401:
                pending[i] = (time.monotonic() - t0) * 1000
    return list(pending.values())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--login", required=True)
    p.add_argument("--poll", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--action", default="logout", choices=["logout", "logout-all", "none"])
    p.add_argument("--give-up-ms", type=float, default=1000)
    a = p.parse_args()
    login = Node(a.login)
    polled = [Node(u) for u in a.poll.split(",")]
    creds = json.dumps({"username": a.user, "password": a.password}).encode()
    delays, not_refused = [], 0
    for _ in range(a.samples):
        for d in one_sample(a, login, polled, creds):
            if d is None:
                not_refused += 1
            else:
                delays.append(round(d, 3))
    print(json.dumps({"delays_ms": delays, "not_refused": not_refused, "samples": a.samples,
                      "polled": len(polled), "action": a.action, "give_up_ms": a.give_up_ms}))


if __name__ == "__main__":
    main()
