"""WSGI middleware and a Flask view decorator: the request must carry a good jwtd access token.

    app.wsgi_app = BearerAuthWsgiMiddleware(app.wsgi_app, verifier)   # every route; claims in
                                                                     # environ["jwtd.auth"]
    @app.get("/me")
    @require_auth(verifier)                                          # one Flask view; claims in
    def me(): return flask.g.auth                                    # flask.g.auth

Refusals follow bearer.py. Flask is imported only when the decorator runs, so the package does
not depend on it. With `origin` (this server's public scheme://host[:port], or a function of the
environ) both take `Authorization: DPoP` requests too (RFC 9449): the proof must name the
request's method and origin + its path (RAW_URI / REQUEST_URI when the server gives them).
Without it, Bearer only; a DPoP-bound token sent as Bearer is refused either way.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

from . import bearer
from .errors import TokenRejected
from .request_url import Origin, origin_of, wsgi_path
from .verifier import Verifier

ENVIRON_KEY = "jwtd.auth"
_STATUS = {400: "400 Bad Request", 401: "401 Unauthorized", 503: "503 Service Unavailable"}


def _authorize(verifier: Verifier, environ: dict[str, Any],
               origin: Callable[[Any], str] | None
               ) -> tuple[dict[str, Any] | None, bearer.Refusal | None]:
    # WSGI (PEP 3333) folds repeated headers into one value joined by commas.
    header = environ.get("HTTP_AUTHORIZATION")
    values = [] if header is None else [header]
    try:
        found = bearer.credential(values, dpop=origin is not None)
        if found is None:
            return None, bearer.no_credentials(verifier.dpop_algs if origin else None)
        if found[0] == "Bearer":
            return verifier.verify(found[1]), None
        dpop = environ.get("HTTP_DPOP")
        url = origin(environ) + wsgi_path(environ)
        return verifier.verify_request(values, [] if dpop is None else [dpop],
                                       environ.get("REQUEST_METHOD"), url), None
    except bearer.Malformed as e:
        return None, bearer.malformed(str(e))
    except TokenRejected as e:
        return None, bearer.refused(e)


class BearerAuthWsgiMiddleware:
    def __init__(self, app: Callable, verifier: Verifier, public_paths: Iterable[str] = (),
                 origin: Origin | None = None) -> None:
        self._app = app
        self._verifier = verifier
        self._public = frozenset(public_paths)
        self._origin = origin_of(origin)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in self._public:
            return self._app(environ, start_response)
        claims, refusal = _authorize(self._verifier, environ, self._origin)
        if refusal is not None:
            headers = refusal.headers + [("Content-Length", str(len(refusal.body)))]
            start_response(_STATUS[refusal.status], headers)
            return [refusal.body]
        environ[ENVIRON_KEY] = claims
        return self._app(environ, start_response)


def require_auth(verifier: Verifier, origin: Origin | None = None
                 ) -> Callable[[Callable], Callable]:
    """A Flask view decorator: the view runs with the claims in flask.g.auth (and
    request.environ["jwtd.auth"]), or the request is refused."""
    origin_for = origin_of(origin)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            import flask  # only where Flask is in use

            claims, refusal = _authorize(verifier, flask.request.environ, origin_for)
            if refusal is not None:
                return flask.Response(refusal.body, status=refusal.status, headers=refusal.headers)
            flask.g.auth = claims
            flask.request.environ[ENVIRON_KEY] = claims
            return view(*args, **kwargs)

        return wrapper

    return decorate
