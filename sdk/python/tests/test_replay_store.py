"""The shared DPoP replay store (DpopOptions.replay_store) without a jwtd: two verifiers standing
for two processes behind a load balancer share one store, so a proof accepted by one is a
replay on the other; a store that fails refuses (stale, 503) rather than accept unrecorded. The
store here is a dict with expiry under a lock that keeps the contract Redis's SET NX PX keeps
(one claim wins per key until it expires), in a plain and an async flavour. The conformance
vectors give the keys, tokens, proofs and clock."""

import asyncio
import base64
import json
import logging
import threading
import warnings

import flask
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from test_dpop import CASES, ORIGIN, PATH, VALID, FixedVerifier, dpop_headers, request_of
from test_vectors import DPOP

from jwtd_verifier import AsyncVerifier, ConfigurationError, DpopOptions, TokenRejected
from jwtd_verifier.asgi import BearerAuthMiddleware
from jwtd_verifier.dpop import store_key
from jwtd_verifier.wsgi import BearerAuthWsgiMiddleware

FRESH = CASES["dpop_iat_window_edge"]  # another jti for the same token and key
TTL = DPOP.window + DPOP.skew
STORE_FAILED = ("stale", "temporarily_unavailable", True,
                "the shared DPoP replay store did not answer", 1)


class SharedStore:
    """One store for every "process": the look-up and the insert under one lock (atomic), each
    key remembered for ttl_seconds of the vectors' clock."""

    def __init__(self, now=lambda: VALID["now"]):
        self._now = now
        self._until = {}
        self._lock = threading.Lock()
        self.calls = []

    def claim(self, key, ttl_seconds):
        with self._lock:
            self.calls.append((key, ttl_seconds, threading.current_thread()))
            if self._until.get(key, float("-inf")) > self._now():
                return False
            self._until[key] = self._now() + ttl_seconds
            return True


class AsyncSharedStore(SharedStore):
    async def claim(self, key, ttl_seconds):  # as redis.asyncio would
        await asyncio.sleep(0)
        return SharedStore.claim(self, key, ttl_seconds)


class Answers:
    """A store that answers (or raises) what it is told to."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def claim(self, key, ttl_seconds):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def refusal(call, *args, **kwargs):
    try:
        result = call(*args, **kwargs)
        if asyncio.iscoroutine(result):
            asyncio.run(result)
    except TokenRejected as e:
        return e.reason, e.error_code, e.dpop, e.detail, e.retry_after
    return "accepted"


def jti_of(case):
    payload = case["request"]["proof"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


LOCAL_REPLAY = ("invalid", "invalid_dpop_proof", True, "the proof's jti was used before", None)


def test_two_nodes_one_store_a_proof_accepted_by_a_is_a_replay_on_b():
    store = SharedStore()
    a, b = FixedVerifier(replay_store=store), FixedVerifier(replay_store=store)
    assert a.verify_request(**request_of(VALID))["cnf"]["jkt"] == VALID["expect"]["jkt"]
    on_b = refusal(b.verify_request, **request_of(VALID))
    assert on_b == refusal(a.verify_request, **request_of(VALID)) == LOCAL_REPLAY
    assert b.verify_request(**request_of(FRESH))["sub"] == "42"
    assert refusal(a.verify_request, **request_of(FRESH)) == LOCAL_REPLAY  # and back on A
    # A's own replay was caught by its local cache (no round trip): each proof reached the store
    # once per node that found it new, under a digest naming neither the jkt nor the jti.
    key = store_key(VALID["expect"]["jkt"], jti_of(VALID))
    assert [(k, t) for k, t, _ in store.calls[:2]] == [(key, TTL), (key, TTL)]
    assert len(store.calls) == 4
    assert len(key) == 22 and jti_of(VALID) not in key and key not in VALID["expect"]["jkt"]
    # base64url(SHA-256(jkt NUL jti)[:16]), pinned: the Node SDK and jwtd name this pair alike.
    assert store_key("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
                     "e1j3V_bKic8-LAEB") == "b3QycQrEfvJ2Eci1SWCL4w"


def test_a_store_that_says_seen_refuses_as_a_local_replay_and_sees_only_accepted_proofs():
    seen = Answers(False)
    v = FixedVerifier(replay_store=seen)
    assert refusal(v.verify_request, **request_of(VALID)) == LOCAL_REPLAY
    # A proof refused before the replay check never costs a round trip.
    wrong = CASES["dpop_wrong_htm"]
    assert refusal(v.verify_request, **request_of(wrong))[1] == "invalid_dpop_proof"
    assert seen.calls == 1


@pytest.mark.parametrize("answer", [
    ConnectionError("Error 111 connecting to redis://:secret@10.0.0.9:6379"), TimeoutError(),
    None, "OK", 1, 0], ids=["raises", "times-out", "None", "OK", "1", "0"])
def test_a_store_that_fails_refuses_as_stale_and_never_accepts(answer, caplog):
    store = Answers(answer)
    v = FixedVerifier(replay_store=store)
    with caplog.at_level(logging.WARNING, logger="jwtd_verifier"):
        assert refusal(v.verify_request, **request_of(VALID)) == STORE_FAILED
        assert refusal(v.verify_request, **request_of(CASES["dpop_iat_within_skew"])) == \
            STORE_FAILED  # still failing: still refused, logged once
        assert v._checker.dpop.replay_store_failing
        # Recovered: the proof it could not record stays refused (the local cache kept it);
        # a fresh one passes, and the recovery is logged.
        shared = SharedStore()
        store.claim = shared.claim
        assert refusal(v.verify_request, **request_of(VALID)) == LOCAL_REPLAY
        assert v.verify_request(**request_of(FRESH))["sub"] == "42"
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "replay store failed" in messages[0] and "answers again" in messages[1]
    assert "secret" not in messages[0]
    assert not v._checker.dpop.replay_store_failing


def test_asyncio_two_nodes_share_an_async_store_and_a_failing_one_is_stale():
    store = AsyncSharedStore()
    a = AsyncVerifier.wrap(FixedVerifier(replay_store=store))
    b = AsyncVerifier.wrap(FixedVerifier(replay_store=store))

    async def run():
        assert (await a.verify_request(**request_of(VALID)))["sub"] == "42"
        with pytest.raises(TokenRejected) as e:
            await b.verify_request(**request_of(VALID))
        assert (e.value.error_code, e.value.detail) == ("invalid_dpop_proof",
                                                        "the proof's jti was used before")
        assert (await b.verify_request(**request_of(FRESH)))["sub"] == "42"

    asyncio.run(run())
    assert len(store.calls) == 3

    async def fails(key, ttl):
        raise ConnectionError("down")

    broken = Answers(None)
    broken.claim = fails
    assert refusal(AsyncVerifier.wrap(FixedVerifier(replay_store=broken)).verify_request,
                   **request_of(VALID)) == STORE_FAILED


def test_asyncio_with_a_plain_store_claims_on_a_worker_thread():
    store = SharedStore()
    v = AsyncVerifier.wrap(FixedVerifier(replay_store=store))
    assert asyncio.run(v.verify_request(**request_of(VALID)))["sub"] == "42"
    assert store.calls[0][2] is not threading.current_thread()  # the loop never blocked on it
    assert refusal(v.verify_request, **request_of(VALID)) == LOCAL_REPLAY


def test_an_async_store_on_the_synchronous_path_is_refused_never_skipped():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no coroutine is left never awaited
        v = FixedVerifier(replay_store=AsyncSharedStore())
        assert refusal(v.verify_request, **request_of(VALID)) == STORE_FAILED

        async def later():
            return True

        returns_awaitable = Answers(None)
        returns_awaitable.claim = lambda key, ttl: later()
        v = FixedVerifier(replay_store=returns_awaitable)
        assert refusal(v.verify_request, **request_of(VALID)) == STORE_FAILED


def test_replay_store_must_have_claim():
    for bad in (object(), {"claim": True}, type("NotCallable", (), {"claim": 1})()):
        with pytest.raises(ConfigurationError):
            DpopOptions(replay_store=bad)
    assert DpopOptions().replay_store is None


def starlette_app(verifier):
    async def me(request: Request):
        return JSONResponse({"sub": request.state.auth["sub"]})

    app = Starlette(routes=[Route(PATH, me)])
    app.add_middleware(BearerAuthMiddleware, verifier=verifier, origin=ORIGIN)
    return app


def check_store_down(r):
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    body = r.json() if callable(r.json) else r.json
    assert body == {"error": "temporarily_unavailable", "reason": "stale",
                    "error_description": "DPoP replay check unavailable, retry later"}


def test_asgi_two_apps_share_a_store_and_a_failing_store_is_503_with_retry_after():
    store = AsyncSharedStore()
    a, b = (TestClient(starlette_app(FixedVerifier(replay_store=store))) for _ in range(2))
    assert a.get(PATH, headers=dpop_headers(VALID)).status_code == 200
    replayed = b.get(PATH, headers=dpop_headers(VALID))
    assert replayed.status_code == 401
    assert replayed.headers["www-authenticate"].startswith('DPoP error="invalid_dpop_proof"')
    assert b.get(PATH, headers=dpop_headers(FRESH)).status_code == 200
    down = TestClient(starlette_app(FixedVerifier(replay_store=Answers(ConnectionError()))))
    check_store_down(down.get(PATH, headers=dpop_headers(VALID)))


def test_wsgi_a_failing_store_is_503_with_retry_after():
    app = flask.Flask("replay-store-test")
    app.get(PATH)(lambda: {"sub": flask.request.environ["jwtd.auth"]["sub"]})
    app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app,
                                            FixedVerifier(replay_store=Answers(OSError())),
                                            origin=ORIGIN)
    check_store_down(app.test_client().get(PATH, headers=dpop_headers(VALID)))
