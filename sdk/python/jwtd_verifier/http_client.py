"""Plain HTTP(S) to jwtd on the standard library's http.client: bounded bodies, a timeout on
every read, no redirects followed, HTTP Basic for feed clients."""

from __future__ import annotations

import base64
import http.client
import ssl
import urllib.parse
from dataclasses import dataclass

from .errors import ConfigurationError, FeedError

_USER_AGENT = "jwtd-verifier-python"

# What talking to jwtd may raise besides FeedError: the network, and HTTP framing.
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 7617 credentials. A client id holding ':' cannot be sent, so it is refused here."""
    if ":" in client_id or not client_id or not secret:
        raise ConfigurationError("feed client id (without ':') and secret are required")
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")


def rebase(url: str, base_url: str | None) -> str:
    """`url` reached through `base_url` instead: its path and query under base_url's origin.

    Metadata names endpoints by the issuer's public URL; a resource server may reach jwtd at
    another address (an internal name, a loopback port)."""
    if not base_url:
        return url
    u = urllib.parse.urlsplit(url)
    b = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit((b.scheme, b.netloc, b.path.rstrip("/") + u.path, u.query, ""))


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class HttpClient:
    def __init__(self, timeout: float, ssl_context: ssl.SSLContext | None = None) -> None:
        self._timeout = timeout
        self._ssl = ssl_context

    def connect(self, url: str, timeout: float | None = None
                ) -> tuple[http.client.HTTPConnection, str]:
        """A connection to url's origin (not yet opened) and the request target."""
        u = urllib.parse.urlsplit(url)
        t = self._timeout if timeout is None else timeout
        if u.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                u.hostname, u.port, timeout=t, context=self._ssl or ssl.create_default_context())
        elif u.scheme == "http":
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=t)
        else:
            raise ConfigurationError(f"unsupported URL scheme in {url!r}")
        return conn, (u.path or "/") + (f"?{u.query}" if u.query else "")

    def open(self, url: str, headers: dict[str, str], timeout: float | None = None
             ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Sends a GET and returns the connection and the response, its body unread."""
        conn, target = self.connect(url, timeout)
        try:
            conn.request("GET", target, headers={"User-Agent": _USER_AGENT, **headers})
            return conn, conn.getresponse()
        except BaseException:
            conn.close()
            raise

    def get(self, url: str, headers: dict[str, str], max_bytes: int) -> Response:
        """GET with the whole body read (FeedError past max_bytes)."""
        conn, resp = self.open(url, headers)
        try:
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise FeedError(f"response from {url} is larger than {max_bytes} bytes")
            return Response(resp.status, resp.headers, body)
        finally:
            conn.close()
