"""WSGI middleware and a Flask view decorator: the request must carry a good jwtd access token.

    app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app, verifier)   # every route; claims in
                                                                     # environ["jwtd.auth"]
    @app.get("/me")
    @require_auth(verifier)                                          # one Flask view; claims in
    def me(): return flask.g.auth                                    # flask.g.auth

Refusals follow bearer.py. Flask is imported only when the decorator runs, so the package does
not depend on it.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

from . import bearer
from .errors import TokenRejected
from .verifier import Verifier

ENVIRON_KEY = "jwtd.auth"
_STATUS = {400: "400 Bad Request", 401: "401 Unauthorized", 503: "503 Service Unavailable"}


def _authorize(verifier: Verifier, header: str | None
               ) -> tuple[dict[str, Any] | None, bearer.Refusal | None]:
    try:
        token = bearer.bearer_token([] if header is None else [header])
        if token is None:
            return None, bearer.no_credentials()
        return verifier.verify(token), None
    except bearer.Malformed as e:
        return None, bearer.malformed(str(e))
    except TokenRejected as e:
        return None, bearer.rejected(e.reason)


class BearerAuthWsgiMiddleware:
    def __init__(self, app: Callable, verifier: Verifier, public_paths: Iterable[str] = ()) -> None:
        self._app = app
        self._verifier = verifier
        self._public = frozenset(public_paths)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in self._public:
            return self._app(environ, start_response)
        # WSGI (PEP 3333) folds repeated headers into one value joined by commas.
        claims, refusal = _authorize(self._verifier, environ.get("HTTP_AUTHORIZATION"))
        if refusal is not None:
            headers = refusal.headers + [("Content-Length", str(len(refusal.body)))]
            start_response(_STATUS[refusal.status], headers)
            return [refusal.body]
        environ[ENVIRON_KEY] = claims
        return self._app(environ, start_response)


def require_auth(verifier: Verifier) -> Callable[[Callable], Callable]:
    """A Flask view decorator: the view runs with the claims in flask.g.auth (and
    request.environ["jwtd.auth"]), or the request is refused."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            import flask  # only where Flask is in use

            claims, refusal = _authorize(verifier, flask.request.headers.get("Authorization"))
            if refusal is not None:
                return flask.Response(refusal.body, status=refusal.status, headers=refusal.headers)
            flask.g.auth = claims
            flask.request.environ[ENVIRON_KEY] = claims
            return view(*args, **kwargs)

        return wrapper

    return decorate
