"""End to end: a FastAPI resource server (BearerAuthMiddleware) served by uvicorn in front of a
real jwtd. A logout on jwtd must make the old access token fail at the resource server, quickly,
and keep doing so across a SIGKILL and restart of jwtd on the same data dir and port (the
follower resumes). Every request is real HTTP over loopback on a keep-alive connection."""

from __future__ import annotations

import http.client
import json
import time

import fastapi
import pytest
from asgi_server import UvicornThread
from conftest import make_verifier
from jwtd_server import JwtdServer
from waits import percentile, wait_for

from jwtd_verifier import AsyncVerifier
from jwtd_verifier.asgi import BearerAuthMiddleware

SESSIONS = 30  # per phase
POLL_LIMIT = 2.0  # seconds: a logout not refused by then fails the test
# The target is p99 <= 50 ms. A shared 2-core CI machine can stall a process for longer
# than that now and then, so the assertion is a generous bound; the measured figures are printed.
P99_BOUND_MS = 500.0
REVOKED_CHALLENGE = 'Bearer error="invalid_token", error_description="token revoked"'


class Client:
    """One keep-alive connection; `at` is when the response head arrived (perf_counter)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def request(self, method: str, path: str, token: str) -> tuple[int, dict, dict | None, float]:
        self.conn.request(method, path, headers={"Authorization": f"Bearer {token}"})
        resp = self.conn.getresponse()
        at = time.perf_counter()
        data = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, json.loads(data) if data else None, at

    def close(self) -> None:
        self.conn.close()


def assert_revoked_refusal(app: Client, token: str, what: str) -> None:
    status, headers, body, _ = app.request("GET", "/me", token)
    assert status == 401, (what, status, body)
    assert headers["www-authenticate"] == REVOKED_CHALLENGE, what
    assert body["reason"] == "revoked", (what, body)


def phase(jwtd: JwtdServer, app: Client, user: str) -> tuple[list[str], list[float]]:
    """SESSIONS sign-ins, each: 200 through FastAPI, logout on jwtd (204), then GET through
    FastAPI with no pause until the 401. The tokens and the 204 -> 401 latencies in ms."""
    jwtd.register(user)
    tokens, latencies = [], []
    logouts = Client(jwtd.port)
    try:
        for i in range(SESSIONS):
            token = jwtd.login(user)["access_token"]
            tokens.append(token)
            assert app.request("GET", "/me", token)[0] == 200, f"{user} session {i}: first request"
            status, _, _, answered = logouts.request("POST", "/v1/logout", token)
            assert status == 204, f"{user} session {i}: logout {status}"
            while True:
                status, headers, body, at = app.request("GET", "/me", token)
                if status == 401:
                    latencies.append((at - answered) * 1000)
                    assert headers["www-authenticate"] == REVOKED_CHALLENGE, (user, i, headers)
                    assert body["reason"] == "revoked", (user, i, body)
                    break
                # Only "still valid" may come before the refusal: a 503 means the view went stale.
                assert status == 200, (user, i, status, body)
                assert at - answered < POLL_LIMIT, f"{user} session {i}: not refused in {POLL_LIMIT} s"
    finally:
        logouts.close()
    return tokens, latencies


def start_again(jwtd: JwtdServer, port: int) -> None:
    """The same port may take a moment to be free again after a SIGKILL."""
    for attempt in range(20):
        try:
            jwtd.start(port=port)
            return
        except RuntimeError as e:
            if attempt == 19 or not any(w in str(e).lower() for w in ("address", "in use", "bind")):
                raise
            time.sleep(0.1)


def figures(latencies: list[float]) -> str:
    # Nearest rank: with 30 samples p99 is the largest.
    return (f"p50 {percentile(latencies, 50):.2f} ms, p99 {percentile(latencies, 99):.2f} ms,"
            f" max {max(latencies):.2f} ms")


@pytest.fixture
def jwtd():
    server = JwtdServer().start()
    yield server
    server.remove()


def test_fastapi_behind_jwtd_logout_refuses_before_and_after_a_sigkill(jwtd, capsys):
    verifier = make_verifier(jwtd)
    uv = app = None
    try:
        assert verifier.wait_current(10), verifier.status()
        api = fastapi.FastAPI()
        api.add_middleware(BearerAuthMiddleware, verifier=AsyncVerifier.wrap(verifier))

        @api.get("/me")
        async def me(request: fastapi.Request):
            return {"sub": request.state.auth["sub"]}

        uv = UvicornThread(api).start()
        app = Client(uv.port)

        before_tokens, before = phase(jwtd, app, "e2e-before")

        # Logged out and killed at once: the follower may not have the entry when jwtd dies.
        jwtd.register("e2e-last-word")
        last_word = jwtd.login("e2e-last-word")["access_token"]
        assert app.request("GET", "/me", last_word)[0] == 200
        assert jwtd.call("POST", "/v1/logout", token=last_word)[0] == 204
        connects = verifier.status()["counters"]["connects"]
        port = jwtd.port
        jwtd.kill()

        start_again(jwtd, port)
        assert wait_for(lambda: verifier.status()["current"]
                        and verifier.status()["counters"]["connects"] > connects, 5.0) is not None, \
            verifier.status()
        assert_revoked_refusal(app, last_word, "logged out right before the SIGKILL")
        for i, token in enumerate(before_tokens):
            assert_revoked_refusal(app, token, f"before the restart, session {i}")

        after_tokens, after = phase(jwtd, app, "e2e-after")
        for i, token in enumerate(before_tokens + after_tokens):
            assert_revoked_refusal(app, token, f"token {i} at the end")
        assert verifier.status()["counters"]["resets"] == 0, "the same log must not look new"

        with capsys.disabled():
            print(f"\nfastapi e2e, logout 204 -> 401 at the resource server (n={SESSIONS} each):"
                  f" before the SIGKILL {figures(before)}; after the restart {figures(after)}")
        for samples in (before, after):
            assert percentile(samples, 99) <= P99_BOUND_MS, samples
    finally:
        if app:
            app.close()
        if uv:
            uv.stop()
        verifier.close()
