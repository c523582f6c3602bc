#!/usr/bin/env python3
"""Session pools over HTTP, on 4 kept-alive connections:

  pool.py login BASE_URL FILE COUNT USER PASSWORD   POST /v1/login COUNT times; the refresh
                                                   tokens go to FILE, one per line
  pool.py logout BASE_URL FILE                     POST /v1/logout {"refresh_token"} per line

Prints {"ok":N,"bad":N}; exits 1 if any answer was not 2xx."""
import http.client
import json
import sys
import threading
import urllib.parse


def worker(url, jobs, make_body, path, out, counts, lock):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    ok = bad = 0
    got = []
    for job in jobs:
        conn.request("POST", path, body=make_body(job),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status // 100 == 2:
            ok += 1
            if out is not None:
                got.append(json.loads(body)["refresh_token"])
        else:
            bad += 1
    with lock:
        counts["ok"] += ok
        counts["bad"] += bad
        if out is not None:
            out.extend(got)


def run(url, jobs, make_body, path, out=None):
    counts, lock = {"ok": 0, "bad": 0}, threading.Lock()
    threads = [threading.Thread(target=worker,
                                args=(url, jobs[i::4], make_body, path, out, counts, lock))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def main(argv):
    mode, url, path = argv[:3]
    if mode == "login":
        count, user, password = int(argv[3]), argv[4], argv[5]
        body = json.dumps({"username": user, "password": password})
        tokens = []
        counts = run(url, list(range(count)), lambda _: body, "/v1/login", tokens)
        with open(path, "w") as f:
            f.write("".join(t + "\n" for t in tokens))
    else:
        tokens = [l.strip() for l in open(path) if l.strip()]
        counts = run(url, tokens, lambda t: json.dumps({"refresh_token": t}), "/v1/logout")
    print(json.dumps(counts))
    return 0 if counts["bad"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
