"""Public keys from a JWKS (RFC 7517), each pinned to one algorithm (RFC 8725 §3.1).

A key's algorithm comes from the key, never from a token: a token whose header names another
alg is refused by the caller. Symmetric (`oct`) keys are never loaded, so an HMAC alg can never
verify against a published key (algorithm confusion). Immutable once built; thread-safe.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from jwt.algorithms import get_default_algorithms
from jwt.exceptions import InvalidKeyError

from .errors import FeedError

_log = logging.getLogger("jwtd_verifier")

# alg -> (kty, crv or None): what a key must be to carry the alg (RFC 7518 §3.1, RFC 8037 §3.1).
_ALGS = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "EdDSA": ("OKP", "Ed25519"),
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
}
# PyJWT's JWS algorithms (on cryptography): the JWK parsing and the signature checks themselves.
# They check what matters here: a point on its curve, R || S of exactly the field size (RFC 7518
# §3.4), PSS with a salt as long as the hash (§3.5).
_PYJWT = get_default_algorithms()
_MAX_RSA_BITS = 16384  # OpenSSL's own verification limit


@dataclass(frozen=True, eq=False)
class PublicKey:
    """One verification key: its kid, the one alg it verifies, and the check itself."""

    kid: str
    alg: str
    verify: Callable[[bytes, bytes], bool]  # (signing input, signature) -> valid
    source: str  # the JWK as canonical JSON: an unchanged key is reused across refreshes


def _verifier(jwk: Mapping[str, Any], alg: str) -> Callable[[bytes, bytes], bool]:
    if "d" in jwk:  # a published private key: a misconfigured JWKS, never used
        raise ValueError("private key in a JWKS")
    algorithm = _PYJWT[alg]
    try:
        key = algorithm.from_jwk(dict(jwk))
    except InvalidKeyError as e:
        raise ValueError(str(e)) from e
    if jwk["kty"] == "RSA" and not 2048 <= key.key_size <= _MAX_RSA_BITS:
        raise ValueError("RSA modulus size")

    def verify(signing_input: bytes, signature: bytes) -> bool:
        return bool(algorithm.verify(signing_input, key, signature))

    return verify


def _key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey | None:
    """The key, or None for one this verifier must not or cannot use (logged, not fatal)."""
    kid, kty, use = jwk.get("kid"), jwk.get("kty"), jwk.get("use", "sig")
    if not isinstance(kid, str) or not kid or use != "sig" or kty == "oct":
        return None
    alg = jwk.get("alg")
    if alg is None:  # derivable only where the key type allows one alg
        alg = {("EC", "P-256"): "ES256", ("EC", "P-384"): "ES384",
               ("OKP", "Ed25519"): "EdDSA"}.get((kty, jwk.get("crv")))
    if alg not in _ALGS:
        return None
    want_kty, want_crv = _ALGS[alg]
    if kty != want_kty or (want_crv is not None and jwk.get("crv") != want_crv):
        return None
    return PublicKey(kid=kid, alg=alg, verify=_verifier(jwk, alg),
                     source=json.dumps(jwk, sort_keys=True, separators=(",", ":")))


def load_jwks(doc: Any) -> dict[str, PublicKey]:
    """kid -> key for every usable key of a JWKS document. FeedError for a document that is not
    a JWKS, or that names one kid twice (RFC 7517 §4.5: the lookup would be ambiguous)."""
    keys_field = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(keys_field, list):
        raise FeedError("JWKS has no keys array")
    keys: dict[str, PublicKey] = {}
    seen: set[str] = set()
    for jwk in keys_field:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if isinstance(kid, str):
            if kid in seen:
                raise FeedError("JWKS names one kid twice")
            seen.add(kid)
        try:
            key = _key_from_jwk(jwk)
        except (ValueError, KeyError, TypeError) as e:
            _log.warning("JWKS key %r skipped: %s", jwk.get("kid"), e)
            continue
        if key is not None:
            keys[key.kid] = key
    return keys
