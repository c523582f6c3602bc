"""What a verifier checks tokens against: jwtd's RFC 8414 metadata for verifiers
(docs/verifying.md, the table at the top)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .errors import ConfigurationError

MAX_TOKEN_BYTES = 8192
_STRATEGIES = frozenset({"denylist", "version"})


@dataclass(frozen=True)
class Profile:
    issuer: str  # the iss to require
    audience: str  # the aud to require
    typ: str = "at+jwt"  # RFC 9068
    max_lifetime: int = 900  # seconds: exp - iat may not exceed it (tokens.access_ttl)
    leeway: int = 30  # seconds of clock skew for exp, nbf, iat
    strategies: frozenset[str] = _STRATEGIES  # which feed entries can refuse a token
    max_token_bytes: int = MAX_TOKEN_BYTES

    def __post_init__(self) -> None:
        if not self.issuer or not self.audience:
            raise ConfigurationError("the profile needs an issuer and an audience")
        if self.max_lifetime <= 0 or not 0 <= self.leeway <= 86400 or self.max_token_bytes <= 0:
            raise ConfigurationError(
                "max_lifetime > 0, leeway in [0, 86400] and max_token_bytes > 0")
        if not self.strategies <= _STRATEGIES:
            raise ConfigurationError(f"unknown revocation strategy in {sorted(self.strategies)}")


def _int(meta: Mapping[str, Any], name: str) -> int:
    v = meta.get(name)
    if not isinstance(v, int) or isinstance(v, bool):
        raise ConfigurationError(f"metadata field {name} is missing or not an integer")
    return v


def _str(meta: Mapping[str, Any], name: str) -> str:
    v = meta.get(name)
    if not isinstance(v, str) or not v:
        raise ConfigurationError(f"metadata field {name} is missing or not a string")
    return v


def profile_from_metadata(meta: Mapping[str, Any], issuer: str,
                          audience: str | None = None) -> Profile:
    """The profile jwtd's metadata describes. ConfigurationError when a field is missing or when
    the metadata names another issuer than the one discovered (RFC 8414 §3.3)."""
    if meta.get("issuer") != issuer:
        raise ConfigurationError(
            f"metadata issuer {meta.get('issuer')!r} is not the configured issuer {issuer!r}")
    strategies = meta.get("revocation_strategies")
    if not isinstance(strategies, list) or not all(isinstance(s, str) for s in strategies):
        raise ConfigurationError("metadata field revocation_strategies is not a list of strings")
    return Profile(
        issuer=issuer,
        audience=audience or _str(meta, "access_token_audience"),
        typ=_str(meta, "access_token_typ"),
        max_lifetime=_int(meta, "access_token_max_lifetime"),
        leeway=_int(meta, "access_token_leeway"),
        strategies=frozenset(strategies),
    )
