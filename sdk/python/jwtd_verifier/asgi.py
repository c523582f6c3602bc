"""ASGI middleware (Starlette, FastAPI, any ASGI 3 app): every HTTP request and WebSocket
handshake must carry a good jwtd access token.

    app.add_middleware(BearerAuthMiddleware, verifier=async_verifier, public_paths={"/healthz"},
                       origin="https://api.example.com")   # origin: DPoP requests too

On success the claims are in `scope["auth"]` and `scope["state"]["auth"]` (Starlette's
`request.state.auth`). Refusals follow bearer.py; a refused WebSocket handshake is closed with
1008 (policy violation) before it is accepted, which servers answer with 403.

With `origin` (this server's public scheme://host[:port], or a function of the scope) the
middleware takes `Authorization: DPoP` requests too (RFC 9449): the proof must name the
request's method and origin + its path. Without it, Bearer only (a DPoP credential reads as
none); a DPoP-bound token sent as Bearer is refused either way.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable

from . import bearer
from .aio import AsyncVerifier
from .errors import TokenRejected
from .request_url import Origin, asgi_path, origin_of
from .verifier import Verifier

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == name]


class BearerAuthMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *,
                 verifier: AsyncVerifier | Verifier, public_paths: Iterable[str] = (),
                 origin: Origin | None = None) -> None:
        self._app = app
        self._verifier = (verifier if isinstance(verifier, AsyncVerifier)
                          else AsyncVerifier.wrap(verifier))
        self._public = frozenset(public_paths)
        self._origin = origin_of(origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self._public:
            await self._app(scope, receive, send)
            return
        dpop_algs = self._verifier.dpop_algs if self._origin is not None else None
        values = _header(scope, b"authorization")
        try:
            found = bearer.credential(values, dpop=self._origin is not None)
            if found is None:
                refusal = bearer.no_credentials(dpop_algs)
            else:
                claims = await self._verify(scope, values, found[0])
                scope["auth"] = claims
                scope.setdefault("state", {})["auth"] = claims
                await self._app(scope, receive, send)
                return
        except bearer.Malformed as e:
            refusal = bearer.malformed(str(e))
        except TokenRejected as e:
            refusal = bearer.refused(e)
        await self._refuse(scope, send, refusal)

    async def _verify(self, scope: Scope, authorization: list[str], scheme: str) -> dict:
        if scheme == "Bearer":
            return await self._verifier.verify(bearer.credential(authorization)[1])
        # A WebSocket handshake is a GET (RFC 6455 §4.1).
        url = self._origin(scope) + asgi_path(scope)
        return await self._verifier.verify_request(authorization, _header(scope, b"dpop"),
                                                   scope.get("method", "GET"), url)

    async def _refuse(self, scope: Scope, send: Send, refusal: bearer.Refusal) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in refusal.headers]
        headers.append((b"content-length", str(len(refusal.body)).encode()))
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": refusal.body})
