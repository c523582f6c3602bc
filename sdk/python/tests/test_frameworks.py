"""The framework adapters on real apps against a real jwtd: Starlette's and FastAPI's ASGI stacks
through the TestClient, Flask's WSGI stack through its test client, and AsyncVerifier on its
own loop."""

import asyncio

import pytest
from conftest import make_verifier
from waits import wait_for
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from jwtd_verifier import AsyncVerifier
from jwtd_verifier.asgi import BearerAuthMiddleware
from jwtd_verifier.wsgi import BearerAuthWsgiMiddleware, require_auth


@pytest.fixture(scope="module")
def tokens(jwtd):
    jwtd.register("asgi-user")
    good = jwtd.login("asgi-user")["access_token"]
    ended = jwtd.login("asgi-user")["access_token"]
    assert jwtd.call("POST", "/v1/logout", token=ended)[0] == 204
    return {"good": good, "ended": ended}


def starlette_app(verifier):
    async def me(request: Request):
        return JSONResponse({"sub": request.state.auth["sub"],
                             "same": request.scope["auth"] is request.state.auth})

    async def health(request: Request):
        return JSONResponse({"ok": True})

    async def ws(websocket: WebSocket):
        await websocket.accept()
        await websocket.send_json({"sub": websocket.scope["auth"]["sub"]})
        await websocket.close()

    app = Starlette(routes=[Route("/me", me), Route("/healthz", health), WebSocketRoute("/ws", ws)])
    app.add_middleware(BearerAuthMiddleware, verifier=verifier, public_paths={"/healthz"})
    return app


def assert_refusals(get, tokens):
    r = get(None)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = get("Bearer " + tokens["good"] + "x")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="invalid token"')
    assert r.json()["reason"] == "invalid"
    r = get("Bearer " + tokens["ended"])
    assert r.status_code == 401 and "token revoked" in r.headers["www-authenticate"]
    assert r.json() == {"error": "invalid_token", "error_description": "token revoked",
                        "reason": "revoked"}
    r = get("Bearer")
    assert r.status_code == 400 and 'error="invalid_request"' in r.headers["www-authenticate"]
    r = get("Basic dXNlcjpwYXNz")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_asgi_middleware_on_starlette(jwtd, verifier, tokens):
    assert wait_for(lambda: verifier.status()["view"]["session"] >= 1, 2.0) is not None
    client = TestClient(starlette_app(verifier))

    def get(auth):
        return client.get("/me", headers={"Authorization": auth} if auth else {})

    r = get("bearer " + tokens["good"])  # the scheme is case-insensitive
    assert r.status_code == 200 and r.json()["same"] is True
    assert r.json()["sub"] == verifier.verify(tokens["good"])["sub"]
    assert_refusals(get, tokens)
    assert client.get("/healthz").status_code == 200
    good = {"Authorization": "Bearer " + tokens["good"]}
    with client.websocket_connect("/ws", headers=good) as ws:
        assert ws.receive_json()["sub"]
    with pytest.raises(WebSocketDisconnect) as e:
        ended = {"Authorization": "Bearer " + tokens["ended"]}
        with client.websocket_connect("/ws", headers=ended):
            pass
    assert e.value.code == 1008


def test_asgi_middleware_on_fastapi(jwtd, verifier, tokens):
    import fastapi

    app = fastapi.FastAPI()
    app.add_middleware(BearerAuthMiddleware, verifier=AsyncVerifier.wrap(verifier))

    @app.get("/me")
    async def me(request: fastapi.Request):
        return {"sub": request.state.auth["sub"]}

    client = TestClient(app)
    r = client.get("/me", headers={"Authorization": "Bearer " + tokens["good"]})
    assert r.status_code == 200 and r.json()["sub"] == verifier.verify(tokens["good"])["sub"]
    assert_refusals(lambda auth: client.get("/me", headers={"Authorization": auth} if auth else {}),
                    tokens)


def test_asgi_answers_503_when_the_view_is_stale(jwtd, tokens):
    v = make_verifier(jwtd, transport="poll")
    assert v.wait_current(10)
    v.close()  # nothing vouches for the view any more
    r = TestClient(starlette_app(AsyncVerifier.wrap(v))).get(
        "/me", headers={"Authorization": "Bearer " + tokens["good"]})
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert r.json()["reason"] == "stale" and "www-authenticate" not in r.headers


def test_flask_decorator_and_wsgi_middleware(jwtd, verifier, tokens):
    import flask

    app = flask.Flask("jwtd-sdk-test")

    @app.get("/me")
    @require_auth(verifier)
    def me():
        return {"sub": flask.g.auth["sub"], "environ": flask.request.environ["jwtd.auth"]["sub"]}

    @app.get("/open")
    def open_route():
        return {"auth": flask.request.environ.get("jwtd.auth", {}).get("sub")}

    client = app.test_client()

    def get(auth, path="/me"):
        r = client.get(path, headers={"Authorization": auth} if auth else {})
        r.status_code, r.json  # noqa: B018 (parsed once)
        return r

    r = get("Bearer " + tokens["good"])
    assert r.status_code == 200 and r.json["sub"] == r.json["environ"]
    assert_refusals(lambda auth: _FlaskResponse(get(auth)), tokens)
    assert get(None, "/open").status_code == 200  # the decorator guards only its view

    app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app, verifier)
    assert get(None, "/open").status_code == 401
    r = get("Bearer " + tokens["good"], "/open")
    assert r.status_code == 200 and r.json["auth"] == verifier.verify(tokens["good"])["sub"]
    assert_refusals(lambda auth: _FlaskResponse(get(auth, "/open")), tokens)


class _FlaskResponse:
    """Flask's test response with the httpx-style surface assert_refusals reads."""

    def __init__(self, r):
        self.status_code = r.status_code
        self.headers = {k.lower(): v for k, v in r.headers.items()}
        self._json = r.get_json()

    def json(self):
        return self._json


def test_async_verifier(jwtd, tokens):
    async def main():
        from jwtd_server import FEED_CLIENT, FEED_SECRET, ISSUER
        async with AsyncVerifier(ISSUER, FEED_CLIENT, FEED_SECRET, base_url=jwtd.base_url) as v:
            assert await v.wait_current(10)
            claims = await v.verify(tokens["good"])
            assert claims["sub"]
            from jwtd_verifier import TokenRejected
            with pytest.raises(TokenRejected) as e:
                await v.verify(tokens["ended"])
            assert e.value.reason == "revoked"
            assert (await v.status())["current"] is True
        assert (await v.status())["mode"] == "closed"

    asyncio.run(main())
