"""What the framework adapters share: reading `Authorization: Bearer` (RFC 6750 §2.1) and the
answer to a request without a good token (RFC 6750 §3), so ASGI, WSGI and Flask say the same.

- no credentials (or another scheme)  -> 401, `WWW-Authenticate: Bearer`
- a malformed Authorization           -> 400, `Bearer error="invalid_request"`
- expired / revoked / invalid         -> 401, `Bearer error="invalid_token"` with
                                         error_description "token expired" | "token revoked" |
                                         "invalid token" (jwtd's own words)
- stale                               -> 503 with Retry-After: the token may well be good
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import EXPIRED, REVOKED, STALE

_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_DESCRIPTIONS = {EXPIRED: "token expired", REVOKED: "token revoked"}


class Malformed(Exception):
    """An Authorization header that is not one well-formed Bearer credential."""


def bearer_token(values: list[str]) -> str | None:
    """The Bearer token from the request's Authorization header values; None when there is
    none (no header, or another scheme). Malformed for a repeated header or a bad token."""
    if not values:
        return None
    if len(values) > 1:
        raise Malformed("more than one Authorization header")
    scheme, _, rest = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":  # RFC 7235 §2.1: the scheme is case-insensitive
        return None
    token = rest.strip(" ")
    if not _TOKEN68.fullmatch(token):
        raise Malformed("Bearer credential is not a token68")
    return token


@dataclass(frozen=True)
class Refusal:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def no_credentials() -> Refusal:
    return Refusal(401, [("WWW-Authenticate", "Bearer"), ("Content-Type", "application/json")],
                   _json({"error": "unauthorized", "error_description": "bearer token required"}))


def malformed(detail: str) -> Refusal:
    return Refusal(400, [("WWW-Authenticate", 'Bearer error="invalid_request"'),
                         ("Content-Type", "application/json")],
                   _json({"error": "invalid_request", "error_description": detail}))


def rejected(reason: str) -> Refusal:
    if reason == STALE:
        return Refusal(503, [("Retry-After", "1"), ("Content-Type", "application/json")],
                       _json({"error": "temporarily_unavailable", "reason": STALE,
                              "error_description": "token revocation state is not current"}))
    description = _DESCRIPTIONS.get(reason, "invalid token")
    challenge = f'Bearer error="invalid_token", error_description="{description}"'
    return Refusal(401, [("WWW-Authenticate", challenge), ("Content-Type", "application/json")],
                   _json({"error": "invalid_token", "error_description": description,
                          "reason": reason}))
