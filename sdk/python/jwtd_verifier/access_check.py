"""The access check of docs/verifying.md §1, steps 1-8, against a key set and a revocation view,
then the identity claims jwtd always carries (sub, sid, jti, ver), as jwtd itself requires, and
then how the token is bound (RFC 9449, dpop.py): `check` is a bearer request, `check_request`
any request, DPoP-bound ones included (`check_request_async` for asyncio callers: it awaits an
async shared replay store).

No I/O: the keys, the view and whether the view is current are given (a Verifier keeps them up
to date from jwtd; the conformance vectors set them directly). The first failure decides.

Thread-safety: `check` may run on any number of threads. `keys` and `view` are replaced by
assignment (atomic) when the owner refreshes them; they are never mutated in place by this
class.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import b64, strict_json
from .dpop import DpopChecker, DpopOptions, binding_failure, bound_thumbprint, credential
from .errors import EXPIRED, INVALID, REVOKED, STALE, TokenRejected
from .keys import PublicKey
from .profile import Profile
from .token_cache import TokenCache, digest
from .view import RevocationView, canonical_user_id

_log = logging.getLogger("jwtd_verifier")

# HMAC algs are known (so that one against a published key reads as a mismatch), never usable.
_SUPPORTED_ALGS = frozenset({"ES256", "ES384", "EdDSA", "RS256", "PS256",
                             "HS256", "HS384", "HS512"})
_STRING_CLAIMS = ("iss", "sub", "jti", "sid", "scope", "client_id")
_MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z, as jwtd bounds NumericDate


class UnknownKid(TokenRejected):
    """No key with the token's kid: the owner may refetch the JWKS once per cooldown and retry."""

    def __init__(self) -> None:
        super().__init__(INVALID, "unknown kid")


def _invalid(detail: str) -> TokenRejected:
    return TokenRejected(INVALID, detail)


def _numeric_date(claims: Mapping[str, Any], name: str, required: bool = False) -> int | None:
    # RFC 7519 §2 NumericDate, as jwtd restricts it: an integer in [0, 9999-12-31].
    v = claims.get(name)
    if v is None and name not in claims and not required:
        return None
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= _MAX_NUMERIC_DATE:
        raise _invalid(f"{name} missing or not a NumericDate")
    return v


def _strip_media_prefix(t: str) -> str:
    return t[12:] if len(t) > 12 and t[:12].lower() == "application/" else t


def typ_matches(got: str, want: str) -> bool:
    """RFC 7515 §4.1.9: case-insensitive, the "application/" prefix optional."""
    return _strip_media_prefix(got).lower() == _strip_media_prefix(want).lower()


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token whose signature verified: what every later use checks again."""

    key: PublicKey
    typ: str
    claims: dict[str, Any]
    payload: bytes  # to hand out fresh copies of nested claims
    nested: bool  # some claim is an array or object
    exp: int
    nbf: int | None
    iat: int | None
    aud: tuple[str, ...]

    def claims_copy(self) -> dict[str, Any]:
        # A caller may change what it gets; the cached claims must not change with it.
        return json.loads(self.payload) if self.nested else dict(self.claims)


_Parsed = tuple[dict[str, Any], bool, int, int | None, int | None, tuple[str, ...]]


def _parse_claims(payload: bytes) -> _Parsed:
    claims = strict_json.parse_object(payload)
    if claims is None:
        raise _invalid("claims are not a strict JSON object")
    for name in _STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise _invalid(f"{name} is not a string")
    aud = claims.get("aud", ())
    if isinstance(aud, str):
        aud = (aud,)
    elif isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        aud = tuple(aud)
    elif aud != ():
        raise _invalid("aud is neither a string nor an array of strings")  # RFC 7519 §4.1.3
    ver = claims.get("ver", 0)
    if not isinstance(ver, int) or isinstance(ver, bool) or ver < 0:
        raise _invalid("ver is not a non-negative integer")
    exp = _numeric_date(claims, "exp", required=True)  # RFC 9068 §2.2
    nested = any(isinstance(v, (list, dict)) for v in claims.values())
    return claims, nested, exp, _numeric_date(claims, "nbf"), _numeric_date(claims, "iat"), aud


def verify_signature(token: str, keys: Mapping[str, PublicKey]) -> _Verified:
    """Steps 2-4: syntax, header, signature. TokenRejected (UnknownKid for an unknown kid)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0]:
        raise _invalid("not a JWS compact serialization")
    header_raw, payload, signature = (b64.decode(p) for p in parts)
    if header_raw is None or payload is None or signature is None:
        raise _invalid("a segment is not strict base64url")
    header = strict_json.parse_object(header_raw)
    if header is None:
        raise _invalid("header is not a strict JSON object")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise _invalid("alg missing")
    if alg.lower() == "none":  # RFC 8725 §3.1: never verifies, whatever the spelling
        raise _invalid("alg none")
    if alg not in _SUPPORTED_ALGS:
        raise _invalid("alg unsupported")
    if "crit" in header:  # RFC 7515 §4.1.11: no extension is implemented
        raise _invalid("crit present")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise _invalid("kid missing")
    key = keys.get(kid)
    if key is None:
        raise UnknownKid()
    if key.alg != alg:  # the key pins the algorithm (RFC 8725 §2.1, algorithm confusion)
        raise _invalid("alg does not match the key")
    typ = header.get("typ", "")
    if not isinstance(typ, str):
        raise _invalid("typ is not a string")
    signing_input = token[: len(parts[0]) + 1 + len(parts[1])].encode("ascii")
    if not key.verify(signing_input, signature):
        raise _invalid("bad signature")
    claims, nested, exp, nbf, iat, aud = _parse_claims(payload)
    return _Verified(key, typ, claims, payload, nested, exp, nbf, iat, aud)


class AccessChecker:
    """Runs the whole check; holds the verified-token cache.

    `is_current()` says whether the revocation view is verified within the staleness bound.
    With `fail_open`, a token is checked against a stale view instead of refused as stale, and
    `on_fail_open()` is called (to log it) each time that happens. `dpop`: what DPoP proofs
    must satisfy (default DpopOptions()); the checker holds their replay cache (and calls the
    shared replay store, if the options name one).
    """

    def __init__(self, profile: Profile, keys: Mapping[str, PublicKey], view: RevocationView,
                 is_current: Callable[[], bool], clock: Callable[[], float] = time.time,
                 cache_entries: int = 10000, fail_open: bool = False,
                 on_fail_open: Callable[[], None] = lambda: None,
                 dpop: DpopOptions | None = None) -> None:
        self.profile = profile
        self.dpop = DpopChecker(dpop)
        self.keys = keys
        self.view = view
        self._is_current = is_current
        self._clock = clock
        self._cache: TokenCache[_Verified] = TokenCache(cache_entries)
        self.fail_open = fail_open
        self._on_fail_open = on_fail_open

    def check(self, token: str) -> dict[str, Any]:
        """A bearer token's claims (a fresh dict), or TokenRejected with the first failing step.
        A DPoP-bound token is refused here (RFC 9449 §7.2): it is only good with its proof."""
        claims = self.check_token(token)
        if bound_thumbprint(claims) is not None:
            raise binding_failure("a DPoP-bound token sent as bearer")
        return claims

    def check_request(self, authorization: str | list[str] | None,
                      dpop: str | list[str] | None = None, method: str | None = None,
                      url: str | None = None) -> dict[str, Any]:
        """The claims for a request, Bearer or DPoP: the Authorization header (its value, or
        its values), the DPoP header (likewise), the request's method and the absolute URL the
        client addressed (your configured origin plus the path: never the Host header). In
        RFC 9449 §7's order: the token first, then its binding to the proof."""
        scheme, token, claims = self._request_token(authorization)
        if scheme == "DPoP":
            self.dpop.check_binding(scheme, claims, token, _values(dpop), method, url,
                                    self._clock())
        return claims

    async def check_request_async(self, authorization: str | list[str] | None,
                                  dpop: str | list[str] | None = None, method: str | None = None,
                                  url: str | None = None) -> dict[str, Any]:
        """As check_request; the shared replay store's claim is awaited (an async one on the
        loop, a plain one on a worker thread). Everything else runs inline."""
        scheme, token, claims = self._request_token(authorization)
        if scheme == "DPoP":
            await self.dpop.check_binding_async(scheme, claims, token, _values(dpop), method, url,
                                                self._clock())
        return claims

    def _request_token(self, authorization: str | list[str] | None
                       ) -> tuple[str, str, dict[str, Any]]:
        """(scheme, token, claims): a Bearer request wholly decided, a DPoP one's token."""
        found = credential(_values(authorization))
        if found is None:
            raise TokenRejected(INVALID, "no Bearer or DPoP credentials",
                                error_code="invalid_request")
        scheme, token = found
        if scheme == "Bearer":
            return scheme, token, self.check(token)
        return scheme, token, self.check_token(token)

    def check_token(self, token: str) -> dict[str, Any]:
        """Steps 1-8 of the profile and the identity claims, whatever the token's binding."""
        p = self.profile
        if not isinstance(token, str):
            raise _invalid("token is not a string")
        if len(token) > p.max_token_bytes:  # step 1, before any decoding
            raise _invalid("token too large")
        keys = self.keys
        cache_key = digest(token)
        v = self._cache.get(cache_key)
        # A hit whose key left the key set (removed or replaced) must not outlive the key.
        if v is None or keys.get(v.key.kid) is not v.key:
            v = verify_signature(token, keys)
            self._cache.put(cache_key, v)
        # The cache skips only the signature: time, iss, aud and revocation run on every use.
        if not typ_matches(v.typ, p.typ):  # RFC 8725 §3.11, RFC 9068 §4
            raise _invalid("typ is not at+jwt")
        now = self._clock()
        if now >= v.exp + p.leeway:  # RFC 7519 §4.1.4
            raise TokenRejected(EXPIRED, "token expired")
        if v.nbf is not None and now < v.nbf - p.leeway:  # RFC 7519 §4.1.5
            raise _invalid("token not yet valid")
        if v.iat is not None and v.iat > now + p.leeway:  # RFC 8725 §3.10
            raise _invalid("token issued in the future")
        if v.claims.get("iss") != p.issuer:  # RFC 8725 §3.8
            raise _invalid("wrong issuer")
        if p.audience not in v.aud:  # RFC 7519 §4.1.3
            raise _invalid("wrong audience")
        # A token living longer than jwtd keeps its revocation entries would outlive its own
        # logout; it reads as expired so that a client refreshes.
        if v.iat is None or v.exp - v.iat > p.max_lifetime:
            raise TokenRejected(EXPIRED, "token lifetime exceeds the maximum")
        if not self._is_current():  # step 7: never accept on a view that may be behind
            if not self.fail_open:
                raise TokenRejected(STALE, "revocation view is stale")
            self._on_fail_open()
        why = self.view.check(v.key.kid, v.claims, now)
        if why is not None:
            raise TokenRejected(REVOKED, why)
        # RFC 9068 §2.2 requires sub and jti; jwtd's own tokens always carry sid and ver too,
        # and jwtd refuses one without them (its Authenticate step).
        c = v.claims
        if not (canonical_user_id(c.get("sub", "")) and c.get("sid") and c.get("jti")
                and "ver" in c):
            raise _invalid("sub, sid, jti or ver missing")
        return v.claims_copy()

    def clear_cache(self) -> None:
        self._cache.clear()


def _values(header: str | list[str] | None) -> list[str]:
    """A header's values: none, one, or one per header line."""
    if header is None:
        return []
    return [header] if isinstance(header, str) else list(header)
