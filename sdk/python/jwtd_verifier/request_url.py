"""The absolute URL a DPoP proof must name (its htu, RFC 9449 §4.3 step 9), as the adapters
build it: the configured `origin` plus the path the client sent. Never from the Host header: a
client can send any Host, and a proof made for another host must not pass here."""

from __future__ import annotations

import urllib.parse
from typing import Any, Callable

from .errors import ConfigurationError

# RFC 3986 §3.3: what a path may hold unencoded; everything else is percent-encoded again.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"

Origin = str | Callable[[Any], str]


def checked_origin(origin: str) -> str:
    """scheme://host[:port] in the form jwtd's normalisation compares (lower case)."""
    u = urllib.parse.urlsplit(origin) if isinstance(origin, str) else None
    if u is None or u.scheme not in ("http", "https") or not u.hostname or u.path not in ("", "/") \
            or u.query or u.fragment or u.username is not None or u.password is not None:
        raise ConfigurationError(
            "origin: scheme://host[:port] only, such as https://api.example.com")
    return f"{u.scheme}://{u.netloc.lower()}"


def origin_of(origin: Origin | None) -> Callable[[Any], str] | None:
    """`origin` (a string, or a function of the request: the ASGI scope or the WSGI environ)
    as a function of the request; None when the adapter takes no DPoP requests."""
    if origin is None:
        return None
    if callable(origin):
        return lambda request: checked_origin(origin(request))
    fixed = checked_origin(origin)
    return lambda request: fixed


def asgi_path(scope: dict[str, Any]) -> str:
    """The path as received (raw_path, when the server gives it), else the decoded path
    encoded again."""
    raw = scope.get("raw_path")
    if raw:
        return raw.decode("latin-1")
    return urllib.parse.quote(scope.get("path", "/").encode("utf-8"), safe=_PATH_SAFE)


def wsgi_path(environ: dict[str, Any]) -> str:
    """The request target as received (RAW_URI of gunicorn, REQUEST_URI of uWSGI and others),
    else SCRIPT_NAME + PATH_INFO encoded again (PEP 3333: their bytes as latin-1)."""
    for name in ("RAW_URI", "REQUEST_URI"):
        raw = environ.get(name)
        if isinstance(raw, str) and raw.startswith("/"):
            return raw
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return urllib.parse.quote(path.encode("latin-1"), safe=_PATH_SAFE) or "/"
