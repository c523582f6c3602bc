"""ASGI middleware (Starlette, FastAPI, any ASGI 3 app): every HTTP request and WebSocket
handshake must carry a good jwtd access token.

    app.add_middleware(BearerAuthMiddleware, verifier=async_verifier, public_paths={"/healthz"})

On success the claims are in `scope["auth"]` and `scope["state"]["auth"]` (Starlette's
`request.state.auth`). Refusals follow bearer.py; a refused WebSocket handshake is closed with
1008 (policy violation) before it is accepted, which servers answer with 403.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable

from . import bearer
from .aio import AsyncVerifier
from .errors import TokenRejected
from .verifier import Verifier

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BearerAuthMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *,
                 verifier: AsyncVerifier | Verifier, public_paths: Iterable[str] = ()) -> None:
        self._app = app
        self._verifier = (verifier if isinstance(verifier, AsyncVerifier)
                          else AsyncVerifier.wrap(verifier))
        self._public = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in self._public:
            await self._app(scope, receive, send)
            return
        values = [v.decode("latin-1") for k, v in scope.get("headers", ())
                  if k.lower() == b"authorization"]
        try:
            token = bearer.bearer_token(values)
            if token is None:
                refusal = bearer.no_credentials()
            else:
                claims = await self._verifier.verify(token)
                scope["auth"] = claims
                scope.setdefault("state", {})["auth"] = claims
                await self._app(scope, receive, send)
                return
        except bearer.Malformed as e:
            refusal = bearer.malformed(str(e))
        except TokenRejected as e:
            refusal = bearer.rejected(e.reason)
        await self._refuse(scope, send, refusal)

    async def _refuse(self, scope: Scope, send: Send, refusal: bearer.Refusal) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in refusal.headers]
        headers.append((b"content-length", str(len(refusal.body)).encode()))
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": refusal.body})
