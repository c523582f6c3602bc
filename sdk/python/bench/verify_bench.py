#!/usr/bin/env python3
"""verify() against PyJWT's jwt.decode on the same token, in the same run.

    /usr/bin/python3 bench/verify_bench.py [--jwtd path/to/jwtd] [--runs 7] [--iterations 3000]

Without --jwtd: an ES256 key made here, the token signed with PyJWT, and the AccessChecker that
Verifier.verify runs (no network). With --jwtd: a real `jwtd serve` on loopback, a real login
token, and Verifier.verify following the real feed. Either way the baseline is
jwt.decode(token, key, algorithms=[alg], audience=..., issuer=..., leeway=...) with the public key
already loaded (PyJWT's fastest use), and every figure is the median of --runs runs.

Measured: `verify (cached)` — the steady state, a token seen before (signature skipped by the
digest cache; time, iss, aud and revocation checked every time); `verify (uncached)` — every call
a full verification (cache disabled).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))

import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from jwtd_verifier import AccessChecker, Profile, RevocationView  # noqa: E402
from jwtd_verifier.keys import load_jwks  # noqa: E402

ISSUER, AUDIENCE = "http://jwtd.test", "jwtd"


def time_per_call(fn, token: str, iterations: int) -> float:
    """Microseconds per call over `iterations` calls."""
    start = time.perf_counter()
    for _ in range(iterations):
        fn(token)
    return (time.perf_counter() - start) / iterations * 1e6


def offline_setup():
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))  # PyJWT 2.6: a string
    jwk.update(kid="bench", alg="ES256", use="sig")
    now = int(time.time())
    token = jwt.encode({"iss": ISSUER, "sub": "1", "aud": AUDIENCE, "exp": now + 900, "iat": now,
                        "nbf": now, "jti": "bench-jti-0000000001", "sid": "bench-sid-000000001",
                        "ver": 1, "client_id": "jwtd"},
                       key, algorithm="ES256", headers={"kid": "bench", "typ": "at+jwt"})
    keys = load_jwks({"keys": [jwk]})
    profile = Profile(issuer=ISSUER, audience=AUDIENCE)

    def checker(cache_entries):
        return AccessChecker(profile, keys, RevocationView(), lambda: True,
                             cache_entries=cache_entries).check

    return token, key.public_key(), checker(10000), checker(0), lambda: None


def live_setup(binary: str):
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    os.environ["JWTD_VERIFIER_TEST_BIN"] = binary
    from jwtd_server import FEED_CLIENT, FEED_SECRET, JwtdServer

    from jwtd_verifier import Verifier
    server = JwtdServer().start()
    server.register("bench")
    token = server.login("bench")["access_token"]
    cached = Verifier(ISSUER, FEED_CLIENT, FEED_SECRET, base_url=server.base_url)
    uncached = Verifier(ISSUER, FEED_CLIENT, FEED_SECRET, base_url=server.base_url, cache_entries=0)
    for v in (cached, uncached):
        if not v.wait_current(10):
            raise SystemExit(f"verifier not current: {v.status()}")
    kid = jwt.get_unverified_header(token)["kid"]
    public_key = jwt.PyJWK(server_jwks(server)[kid]).key

    def stop():
        cached.close()
        uncached.close()
        server.remove()

    return token, public_key, cached.verify, uncached.verify, stop


def server_jwks(server):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/.well-known/jwks.json")
    doc = json.loads(conn.getresponse().read())
    conn.close()
    return {k["kid"]: k for k in doc["keys"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jwtd", help="a jwtd binary: benchmark Verifier.verify on a live feed")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=3000)
    args = ap.parse_args()
    setup = live_setup(args.jwtd) if args.jwtd else offline_setup()
    token, public_key, cached, uncached, stop = setup
    try:
        def pyjwt(t):
            return jwt.decode(t, public_key, algorithms=["ES256"], audience=AUDIENCE,
                              issuer=ISSUER, leeway=30)

        assert pyjwt(token)["sub"] == cached(token)["sub"] == uncached(token)["sub"]
        results = {"jwt.decode (PyJWT)": [], "verify (cached)": [], "verify (uncached)": []}
        for _ in range(args.runs):  # interleaved, so drift hits every contender alike
            results["jwt.decode (PyJWT)"].append(time_per_call(pyjwt, token, args.iterations))
            results["verify (cached)"].append(time_per_call(cached, token, args.iterations))
            results["verify (uncached)"].append(time_per_call(uncached, token, args.iterations))
    finally:
        stop()
    medians = {name: statistics.median(v) for name, v in results.items()}
    base = medians["jwt.decode (PyJWT)"]
    mode = "live jwtd, Verifier.verify" if args.jwtd else "offline, AccessChecker.check"
    print(f"ES256, {mode}; median of {args.runs} runs x {args.iterations} calls "
          f"(PyJWT {jwt.__version__}, Python {sys.version.split()[0]})")
    for name, m in medians.items():
        spread = f"[{min(results[name]):.1f}..{max(results[name]):.1f}]"
        print(f"  {name:22s} {m:8.2f} us/call {spread:>18s}  {base / m:5.2f}x PyJWT")
    print(f"ratio verify (cached) / jwt.decode speed: {base / medians['verify (cached)']:.1f}x")


if __name__ == "__main__":
    main()
