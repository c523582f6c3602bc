"""What the framework adapters share: reading `Authorization: Bearer` (RFC 6750 §2.1) or
`DPoP` (RFC 9449 §7.1) and the answer to a request without a good token (RFC 6750 §3), so ASGI,
WSGI and Flask say the same.

- no credentials (or another scheme)  -> 401, `WWW-Authenticate: Bearer` (with DPoP on:
                                         `Bearer, DPoP algs="ES256 EdDSA"`, as jwtd)
- a malformed Authorization           -> 400, `Bearer error="invalid_request"`
- expired / revoked / invalid         -> 401, `Bearer error="invalid_token"` with
                                         error_description "token expired" | "token revoked" |
                                         "invalid token" (jwtd's own words)
- refused by the DPoP rules           -> 401, `DPoP error="invalid_dpop_proof"` (the proof) or
                                         `DPoP error="invalid_token"` (the binding), as jwtd
- stale (or a DPoP replay check that  -> 503 with Retry-After: the token may well be good
  could not be made: the replay cache
  full, the shared replay store failing)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .dpop import REPLAY_FULL, REPLAY_STORE_FAILED
from .errors import EXPIRED, REVOKED, STALE, TokenRejected

_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_DESCRIPTIONS = {EXPIRED: "token expired", REVOKED: "token revoked"}
_DPOP_DESCRIPTIONS = {"invalid_dpop_proof": "invalid DPoP proof",
                      "invalid_token": "DPoP binding refused"}
_REPLAY_DESCRIPTIONS = {REPLAY_FULL: "too many DPoP proofs, retry later",
                        REPLAY_STORE_FAILED: "DPoP replay check unavailable, retry later"}


class Malformed(Exception):
    """An Authorization header that is not one well-formed Bearer credential."""


def bearer_token(values: list[str]) -> str | None:
    """The Bearer token from the request's Authorization header values; None when there is
    none (no header, or another scheme). Malformed for a repeated header or a bad token."""
    found = credential(values, dpop=False)
    return None if found is None else found[1]


def credential(values: list[str], dpop: bool = True) -> tuple[str, str] | None:
    """('Bearer' | 'DPoP', token) from the Authorization header values; None when there is
    none (no header, or another scheme: DPoP too unless `dpop`). Malformed for a repeated
    header or a bad token."""
    if not values:
        return None
    if len(values) > 1:
        raise Malformed("more than one Authorization header")
    scheme, _, rest = values[0].strip().partition(" ")
    # RFC 7235 §2.1: the scheme is case-insensitive.
    name = {"bearer": "Bearer", "dpop": "DPoP" if dpop else None}.get(scheme.lower())
    if name is None:
        return None
    token = rest.strip(" ")
    if not _TOKEN68.fullmatch(token):
        raise Malformed(f"{name} credential is not a token68")
    return name, token


@dataclass(frozen=True)
class Refusal:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _json(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def challenge(dpop_algs: tuple[str, ...] | None = None) -> str:
    """The challenge of a request without credentials: `Bearer`, and DPoP with its algorithms
    when the adapter takes DPoP requests (as jwtd in dpop.mode optional)."""
    return f'Bearer, DPoP algs="{" ".join(dpop_algs)}"' if dpop_algs else "Bearer"


def no_credentials(dpop_algs: tuple[str, ...] | None = None) -> Refusal:
    return Refusal(401, [("WWW-Authenticate", challenge(dpop_algs)),
                         ("Content-Type", "application/json")],
                   _json({"error": "unauthorized", "error_description": "bearer token required"}))


def malformed(detail: str) -> Refusal:
    return Refusal(400, [("WWW-Authenticate", 'Bearer error="invalid_request"'),
                         ("Content-Type", "application/json")],
                   _json({"error": "invalid_request", "error_description": detail}))


def refused(e: TokenRejected) -> Refusal:
    """The answer to a refusal by verify or verify_request."""
    if e.reason != STALE and e.dpop:
        code = e.error_code
        description = _DPOP_DESCRIPTIONS.get(code, "invalid DPoP request")
        return Refusal(401, [("WWW-Authenticate",
                              f'DPoP error="{code}", error_description="{description}"'),
                             ("Content-Type", "application/json")],
                       _json({"error": code, "error_description": description,
                              "reason": e.reason}))
    if e.reason == STALE and e.retry_after is not None:  # the DPoP replay check: not made
        description = _REPLAY_DESCRIPTIONS.get(e.detail, "DPoP replay check unavailable")
        return Refusal(503, [("Retry-After", str(e.retry_after)),
                             ("Content-Type", "application/json")],
                       _json({"error": "temporarily_unavailable", "reason": STALE,
                              "error_description": description}))
    return rejected(e.reason)


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
