"""The text of docs/benchmarks.md (scripts/bench_report.py fills it from one results folder).
Methodology notes that stay true between runs live here, next to the tables they explain."""

PEER_LABELS = {
    "express:none:none": "express 5, no auth (framework ceiling)",
    "express:jsonwebtoken:none": "express + jsonwebtoken (string secret)",
    "express:jsonwebtoken:redis": "express + jsonwebtoken (string secret) + Redis GET",
    "express:jsonwebtoken-keyobject:none": "express + jsonwebtoken (key object)",
    "express:jsonwebtoken-keyobject:redis": "express + jsonwebtoken (key object) + Redis GET",
    "express:fast-jwt:none": "express + fast-jwt",
    "express:fast-jwt:redis": "express + fast-jwt + Redis GET",
    "floor:epoll": "floor: fixed answer from 2 epoll threads, no parsing (machine ceiling)",
}
ACCESS_TTL_S = 900  # tokens.access_ttl default (include/jwtd/auth/options.h)


def _machine(m):
    return (f"| | |\n|---|---|\n| CPU | {m['cpu']} ({m['cores']} cores as `nproc`) |\n"
            f"| RAM | {m['ram_gib']} GiB |\n| kernel, OS | {m['kernel']}, {m['os']} |\n"
            f"| OpenSSL | {m['openssl']} |\n| Node | {m['node']} |\n| Python | {m['python']} |\n"
            f"| PostgreSQL | {m['postgres']} |\n| Redis | {m['redis']} |\n| wrk | {m['wrk']} |\n"
            f"| jwtd | git {m['git']} (Release){' + ' + str(m['src_modified_files']) + ' modified files in src/, include/' if m.get('src_modified_files') else ''} |\n"
            f"| load average | {m['load_at_start']} at start, {m.get('load_at_end', '?')} at end |\n"
            f"| date, wall time | {m['date']}, {m.get('wall_seconds', '?')} s ({m['mode']} run) |\n")


def _delay(res, cfg, store):
    r = res.get("delay", cfg, store, "revocation_delay_ms")
    if r is None:
        return "—"
    if cfg == "stateless":
        return (f"until exp ({ACCESS_TTL_S} s); the refresh token too (no server call): still "
                f"accepted {r['give_up_ms']:.0f} ms later in {r['not_refused']}/{r['samples']}")
    if not r["runs"]:
        return (f"until exp ({ACCESS_TTL_S} s): still accepted {r['give_up_ms']:.0f} ms after "
                f"the {r['action']} 2xx in {r['not_refused']}/{r['samples']}")
    extra = f", {r['not_refused']} not refused" if r["not_refused"] else ""
    return (f"{r['median']:.2f} ms p50 / {r['p99']:.2f} ms p99 (`{r['action']}`, "
            f"{len(r['runs'])} samples{extra})")


def _per_revocation(res, cfg, store, num):
    if cfg == "stateless":
        return "0 (no server call)"
    b = res.med("state", cfg, store, "bytes_per_revocation")
    e = res.med("state", cfg, store, "view_entries_per_revocation") or 0
    vb = res.med("state", cfg, store, "view_bytes_per_entry")
    view = f" + view {num(e * vb)} B" if e and vb else " + view 0 B"
    return f"store {num(b)} B{view}"


def _verify_cost(res, cfg, num):
    cached = res.med("view", "jwtd", "memory", "verify_es256_cached")
    check = res.med("view", "jwtd", "memory", "check_1M_denied")
    if cached is None:
        return "—"
    if cfg == "none":
        return f"{num(cached)} (cached ES256 verify, no check)"
    return f"{num(cached + (check or 0))} (cached verify {num(cached)} + check {num(check)})"


def _tradeoff(res, cell, num, rows, stores):
    out = []
    for store, name in stores:
        out.append(f"\n**{name}** (one jwtd node{'' if store == 'sqlite' else ', PostgreSQL and a redis-server on loopback'})\n")
        out.append("| configuration | state per active session | per logout | store "
                   "statements per `GET /v1/me` | verify + check per request, ns | "
                   "`GET /v1/me` req/s | p50 / p99 ms | revocation delay |")
        out.append("|---|---:|---|---:|---|---:|---:|---|")
        for row, cfg, dcfg in rows:
            stmts = (cell(res, ("http", cfg, store, "store_statements_per_request"), 3)
                     if store == "postgres" else "0 (by design)")
            out.append(
                f"| {row} | {num(res.med('state', cfg, store, 'bytes_per_session'))} B | "
                f"{_per_revocation(res, dcfg if dcfg == 'stateless' else cfg, store, num)} | "
                f"{stmts} | {_verify_cost(res, cfg, num)} | "
                f"{cell(res, ('http', cfg, store, 'me_req_s'))} | "
                f"{num(res.med('http', cfg, store, 'me_p50_ms'), 2)} / "
                f"{num(res.med('http', cfg, store, 'me_p99_ms'), 2)} | "
                f"{_delay(res, dcfg, store)} |")
    return "\n".join(out)


def _targets(targets):
    out = ["| target (earlier issues) | measured | goal | |", "|---|---|---|---|"]
    for t in targets:
        verdict = "—" if t["met"] is None else ("**met**" if t["met"] else "**missed**")
        out.append(f"| {t['name']} | {t['text']} | {t['target']} | {verdict} |")
    return "\n".join(out)


def _verify(res, cell, algs, impls):
    out = ["| implementation | " + " | ".join(algs) + " |", "|---" + "|---:" * len(algs) + "|"]
    for impl, label in impls:
        cells = [cell(res, ("verify", impl, "-", a)) for a in algs]
        if any(c != "—" for c in cells):
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _http(res, cell, num):
    jwtd = res.med("http", "denylist+version", "sqlite", "me_req_s")
    out = ["| server | req/s | p50 ms | p99 ms | jwtd / this |", "|---|---:|---:|---:|---:|",
           f"| jwtd `GET /v1/me` (ES256, denylist + version, SQLite) | "
           f"{cell(res, ('http', 'denylist+version', 'sqlite', 'me_req_s'))} | "
           f"{num(res.med('http', 'denylist+version', 'sqlite', 'me_p50_ms'), 2)} | "
           f"{num(res.med('http', 'denylist+version', 'sqlite', 'me_p99_ms'), 2)} | — |"]
    one = res.med("http", "denylist+version:io1", "sqlite", "me_req_s")
    if one:
        out.append(f"| jwtd, the same with one I/O thread (`server.io_threads=1`) | "
                   f"{cell(res, ('http', 'denylist+version:io1', 'sqlite', 'me_req_s'))} | "
                   f"{num(res.med('http', 'denylist+version:io1', 'sqlite', 'me_p50_ms'), 2)} | "
                   f"{num(res.med('http', 'denylist+version:io1', 'sqlite', 'me_p99_ms'), 2)} | "
                   f"{jwtd / one:.2f}x |")
    for name, label in PEER_LABELS.items():
        r = res.med("http_peers", name, "-", "me_req_s")
        if r is None:
            continue
        ratio = f"{jwtd / r:.1f}x" if jwtd else "—"
        out.append(f"| {label} | {cell(res, ('http_peers', name, '-', 'me_req_s'))} | "
                   f"{num(res.med('http_peers', name, '-', 'me_p50_ms'), 2)} | "
                   f"{num(res.med('http_peers', name, '-', 'me_p99_ms'), 2)} | {ratio} |")
    return "\n".join(out)


def _curves(res, num):
    out = ["| denied jtis | check ns (CPU) | view bytes per entry | RSS bytes per entry |",
           "|---:|---:|---:|---:|"]
    for r in sorted(res.all("denylist", "check_ns"), key=lambda r: int(r["config"])):
        n = r["config"]
        out.append(f"| {int(n):,} | {r['median']:.1f} | "
                   f"{num(res.med('denylist', n, 'memory', 'bytes_per_entry'), 1)} | "
                   f"{num(res.med('denylist', n, 'memory', 'rss_bytes_per_entry'), 1)} |")
    out += ["", "| sessions stored (SQLite) | refresh/s |", "|---:|---:|"]
    for r in sorted(res.all("sessions", "refresh_req_s"), key=lambda r: int(r["config"])):
        out.append(f"| {int(r['config']):,} | {num(r['median'])} |")
    out += ["", "| nodes (PostgreSQL + Redis) | delays (logouts x polled nodes) | p50 ms | p99 ms | "
            "max ms | not refused |",
            "|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(res.all("propagation"), key=lambda r: int(r["config"])):
        out.append(f"| {r['config']} | {len(r['runs'])} | {r['p50']:.2f} | {r['p99']:.2f} | "
                   f"{r['max']:.2f} | {r['not_refused']} |")
    return "\n".join(out)


def render(res, m, targets, svg, soak, cell, num, rows, stores, algs, impls):
    refresh = [f"| {name} | {cell(res, ('refresh', 'denylist+version', s, 'refresh_req_s'))} | "
               f"{num(res.med('refresh', 'denylist+version', s, 'refresh_p99_ms'), 1)} | "
               f"{num(res.med('refresh', 'denylist+version', s, 'refresh_non200'))} |"
               for s, name in stores]
    return f"""# Benchmarks

<!-- Generated by scripts/bench_report.py from one scripts/bench.sh run: edit the generator,
not this file (the sections at the end between begin and end markers — the soak, the feed and
SDK figures of their own scripts — are kept verbatim). -->

Every figure below comes from **one run** of one command, peers included, on the machine
described here. The machine is shared and noisy: absolute figures drift 10-30 % between runs,
so each benchmark measures its baselines in the same run and the ratios are what to compare.
Figures are medians with the spread of the runs as [min–max].

```sh
scripts/bench.sh            # everything below (~10 min): results in build/bench-results/<stamp>/
scripts/bench.sh --quick    # smoke run (< 2 min, one short run each): report in the results folder
```

This report: `{m['command']}`. Raw records: `results.jsonl` (one JSON line per
measurement: section, config, store, metric, unit, runs, median, min, max) and `machine.json`
in the results folder; `scripts/bench_report.py <folder>` rewrites this file and the charts.

## Machine

{_machine(m)}
## Targets

{_targets(targets)}

## Revocation trade-offs, measured

The problem statement's table (stateless? secure?) with numbers. "Server state" is what the
store holds for one active session (session row, refresh-token row, audit rows, indexes;
measured as the store's size before and after N logins: 1,000, or 200 with --quick; the stores allocate whole pages, so small N are coarse) and what one revocation adds
(store: size after N logouts; view: `jwtd_revocation_view_bytes` of `/metrics`; page-granular
stores can absorb small updates in free space, hence small or zero figures). "Store
statements" are counted in PostgreSQL's statement log during the wrk runs, divided by the
requests (background work such as the revocation log sweep included); on SQLite the request
path has no store call by construction (the in-memory view and a username cache answer it).
Verify cost is the cached ES256 verify (the verified-token cache of the request path) plus the
view's full check with 1 M denied jtis, from the micro-benchmarks; an uncached ES256 verify
costs {num(res.med("view", "jwtd", "memory", "verify_es256_uncached"))} ns.
Revocation delay: from the logout's 2xx until `GET /v1/me` with the old access token answers
401 on the same node. The "stateless" row is the server of "refresh revocation only"
(`revocation.strategies = []`) with the client only dropping its tokens.
{_tradeoff(res, cell, num, rows, stores)}

![GET /v1/me by configuration]({svg}/me_by_config.svg)

## Refresh (`POST /oauth/token`)

A distinct refresh token per request (bench/http/refresh.lua; a reused one would be refused
as reuse, RFC 9700 §4.14.2), from sessions created through the store API by
`bench/seed_sessions` (the rows a login writes). Default configuration; every answer durable
before it is sent: SQLite by an fdatasync of the WAL after each group commit (pipelined, off
the writer lock: `src/store/sqlite/group_commit.h`), PostgreSQL with `fsync=on` and
`synchronous_commit=on`.

| store | refresh/s | p99 ms | non-200 |
|---|---:|---:|---:|
{chr(10).join(refresh)}

## JWT verify: jwtd vs peers (ops/s, one thread)

`bench/jose_bench` (jwtd, raw OpenSSL 3.0 on the same signing input prepared as `openssl
speed` does, Debian's libjwt), `bench/peers/node/bench-verify.mjs` (fast-jwt with its
cache off, jose awaiting each verify, jsonwebtoken with a key object; npm versions pinned in
its package-lock) and `bench/peers/python/bench_verify.py` (PyJWT from Debian), all in
this run. jwtd's token carries `typ: at+jwt` and a `sid`; the peers' tokens are the standard
token of `bench/peers/README.md`. libjwt's API takes PEM bytes, so it re-parses the
public key on every RSA/ECDSA verify — inherent to that library.

{_verify(res, cell, algs, impls)}

![verify ops/s]({svg}/verify_peers.svg)

## HTTP: jwtd vs the Node servers

`GET /v1/me` on jwtd against express 5 `GET /api/me` (`bench/peers/node/server.mjs`)
with jsonwebtoken or fast-jwt, with and without a Redis `GET deny:<jti>` per request (a
redis-server started by the run; scripts/bench-http.sh). Same `wrk -t1 -c64 --latency`; nothing
is pinned: server and wrk share the cores. jwtd verifies an ES256 token (its verified-token
cache makes the repeat verify cheap), the peers an HS256 one: this measures the request path.
The floor row is `bench/http/floor_server.cc` under the same wrk command: two epoll threads
that write a fixed answer shaped like jwtd's for every request terminator they read — no
parsing, routing, token or timer. It is what the kernel's loopback TCP and wrk itself leave
on these two cores: no server can pass it on this machine by more than the noise between runs
(each row is measured at a different minute of a shared machine, so a server at the floor may
show several percent above it).

jwtd runs twice: with its default of one I/O thread per core, and with `server.io_threads=1`.
The Node peers are one event loop each, and wrk is one thread too: on two cores, one I/O
thread gives server and load generator a core each, while two I/O threads and wrk take turns
on two cores (more context switches and idle gaps while each waits for the other; measured
~17 % idle CPU). A deployment where jwtd has the machine to itself keeps the default; the
one-thread row is the like-for-like comparison with the peers here, and the target is read
on it. The last column compares the default with each row. What jwtd's own code costs per
request, without the kernel's TCP path, is measured apart by `bench/http_exchange_bench`:
`GET /v1/me` in process through the production parser, router, handler, access log and
response writer, next to Beast's parser alone on the same bytes, with allocations per request
(the row "GET /v1/me in process" of the targets table; one core, pinned).

{_http(res, cell, num)}

![HTTP peers]({svg}/http_peers.svg)

## Scaling

`bench/denylist_scaling_bench`: the full check (jti + sid + version) on live tokens against a
view holding N denied jtis; memory per entry from the view's own accounting and from RSS.
Refresh/s as the stored sessions grow (SQLite; one run each; x counts the run's own pool).
Propagation: 1, 2 and 3 nodes sharing one PostgreSQL database and one Redis bus; a logout on
node A, then every other node polled until it refuses the old token (1 node: A itself).

{_curves(res, num)}

![denylist size vs check cost]({svg}/denylist_check.svg)
![sessions vs refresh/s]({svg}/sessions_refresh.svg)
![nodes vs propagation]({svg}/propagation.svg)

## Method notes

- Micro-benchmarks are Google Benchmark binaries pinned to one core (`taskset -c 0`), CPU
  time per operation; `scripts/bench-jose.sh` runs jose_bench alone with all algorithms and
  sign as well.
- HTTP figures use `wrk -t1 -c64 --latency`: a 1 s warm-up, then the runs; Argon2id is made
  cheap for these servers (`password.ops_limit=1`, `password.mem_limit_kib=64`) so that
  session pools are quick to create — password hashing is not what is measured.
- Every process the run starts (jwtd nodes, postgres, redis-server, node servers) is stopped
  by its PID at the end; data lives in a temporary directory.
- `scripts/bench-http.sh` alone compares jwtd with the express peers in longer runs.
- What `verify/jwtd/<alg>` covers: `jose::Verifier::Verify` with issuer, audience and `typ`
  checks on — split, strict base64url, header, key by kid, alg binding, signature, claims
  JSON, time/iss/aud checks: the full path a resource server runs. The raw baseline: HMAC
  through one reused `EVP_MAC_CTX` plus `CRYPTO_memcmp`; RSA/ECDSA through a prepared
  `EVP_PKEY_CTX` over a SHA digest (DER signature converted once, outside the loop); Ed25519
  through `EVP_DigestVerify` on a context initialised once.

## Where the time goes (profiles from earlier work, 2026-11-23)

These explain the ratios above; they were taken with `perf record` on this kind of machine and
are not re-measured by the command.

- **HS256 verify** (~700 ns, raw HMAC ~350 ns): OpenSSL HMAC-SHA256 + constant-time compare
  ~50 % (the raw baseline's work), the flat JSON fast path and claim routing ~18 %, base64url
  decode ~8 %, libc ~10 % (the one payload allocation, the '.' search, short compares), the
  rest (header cache, key lookup, time/iss/aud/typ checks) ~14 %. The asymmetric algorithms
  are bound by the public-key operation (10-70 us), so parsing is within a few percent of raw.
- **`GET /v1/me`** (2026-11-24, `perf record` on jwtd under `wrk -t1 -c64`): ~11.5 us of CPU
  per request, ~60 % of it in the kernel's loopback TCP send and receive (one `recvmsg` and one
  `sendmsg` per request, `epoll_wait` for ~1 in 8); the user-space rest is spread over Beast's
  request parser, Asio dispatch, malloc and clock reads; the revocation check and the cached
  verify are < 1 % each. It was ~14 us until the response was written as one buffer built in
  `SerializeResponse` (Beast's serializer walked a buffer sequence per header field: ~10 % of
  the profile) and the sockets took the io_context's executor type instead of the type-erased
  `any_io_executor` (its copies showed at ~4 %). wrk itself needs ~6-7 us per request: on 2
  cores the server and the load generator share the machine, and the floor row of the HTTP
  table is what that leaves for any server.
- **Refresh** (~200 us of CPU per rotation on SQLite): six statements, an ES256 signature
  (~20 us) and about six B-tree pages written to the WAL (the refresh-token key and its session
  index are random, so pages do not coalesce within a group commit) plus their checkpoint.

{soak}
"""
