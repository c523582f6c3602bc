"""DPoP (RFC 9449): the proof checks that need no state, the replay cache, and how a token's
binding is checked against a request — as jwtd does it (src/jose/dpop_proof.cc,
src/auth/dpop_guard.cc, src/auth/dpop_replay_cache.h), in its order.

A proof (`DPoP` header) passes when: it is one JWS compact value of bounded size in strict
base64url; typ is dpop+jwt; no crit; alg is one of the allowed asymmetric algorithms (never none
or HS*); jwk is a public key of that alg (no private members); the signature verifies with that
jwk; htm is the request method; htu is the request URI (normalised, query and fragment
ignored); it has a jti; iat is within [now - window, now + skew]; ath is the hash of the access
token; a nonce, if any, is a string; and its (jkt, jti) was not accepted before — by this
process (ReplayCache), then, with DpopOptions.replay_store, by any process sharing that store.

Every refusal is a TokenRejected with reason 'invalid' and error_code 'invalid_dpop_proof' (the
proof) or 'invalid_token' (the binding), and dpop=True; its detail names the check and never
holds the proof, a key or the token.

Thread-safety: ProofVerifier, ReplayCache and DpopChecker may be used from any number of
threads (a replay store shared with them must be too).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import inspect
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Mapping, Protocol

from cryptography.hazmat.primitives import hashes
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from . import b64, strict_json
from .errors import INVALID, STALE, ConfigurationError, TokenRejected
from .token_cache import TokenCache, digest

# alg -> (kty, crv or None): the keys a proof alg may name (RFC 7518 §3.1, RFC 8037 §3.1).
# PyJWT would verify ES256 with a P-384 key; this table is what refuses that.
PROOF_ALGS: Mapping[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"), "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", "Ed25519"), "RS256": ("RSA", None), "PS256": ("RSA", None),
}
# Members only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
# The members RFC 7638 hashes, in its (lexicographic) order.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"),
                       "RSA": ("e", "kty", "n")}
_MAX_JTI = 256
_RSA_BITS = (2048, 16384)
_CREDENTIAL = re.compile(r"(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *", re.IGNORECASE)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = re.compile(r"[0-9A-Fa-f]{2}")
_log = logging.getLogger("jwtd_verifier")

# What a proof is refused with when its replay check cannot be made (a 503, never an accept):
# the local cache is full, or the shared store failed. The adapters word them apart.
REPLAY_FULL = "too many DPoP proofs in the replay window"
REPLAY_STORE_FAILED = "the shared DPoP replay store did not answer"


class ReplayStore(Protocol):
    """A replay record shared by every process of a service (DpopOptions.replay_store), since
    each ReplayCache sees only its own process's traffic: behind a load balancer a proof
    replayed to another process would pass there.

    claim(key, ttl_seconds) answers True when `key` is new (and records it) and False when it
    was claimed before, atomically across processes (Redis: SET key 1 NX PX ttl), and remembers
    the key at least ttl_seconds (window + skew). An exception, or any answer but True or
    False, refuses the request as stale (503): a proof is never accepted unrecorded. On the
    asyncio path (AsyncVerifier, the ASGI middleware) claim may be a coroutine function.
    """

    def claim(self, key: str, ttl_seconds: int) -> bool | Awaitable[bool]: ...


@dataclass(frozen=True)
class DpopOptions:
    """What a proof must satisfy (jwtd's dpop.algs, dpop.window, dpop.skew)."""

    algs: tuple[str, ...] = ("ES256", "EdDSA")
    window: int = 60  # seconds: a proof older than this is stale
    skew: int = 5  # seconds: a proof this far in the future still passes
    replay_entries: int = 100_000  # proofs remembered for window + skew
    max_proof_bytes: int = 4096
    replay_store: ReplayStore | None = None  # shared by every process; see ReplayStore

    def __post_init__(self) -> None:
        object.__setattr__(self, "algs", tuple(self.algs))
        if not self.algs or any(a not in PROOF_ALGS for a in self.algs):
            raise ConfigurationError(
                f"dpop algs: one or more of {sorted(PROOF_ALGS)} (never none or HS*)")
        if self.window < 1 or self.skew < 0 or self.replay_entries < 2 or \
                self.max_proof_bytes < 64:
            raise ConfigurationError(
                "dpop: window >= 1, skew >= 0, replay_entries >= 2, max_proof_bytes >= 64")
        store = self.replay_store
        if store is not None and not callable(getattr(store, "claim", None)):
            raise ConfigurationError("dpop replay_store: an object with claim(key, ttl_seconds)")


def proof_failure(detail: str) -> TokenRejected:
    return TokenRejected(INVALID, detail, error_code="invalid_dpop_proof", dpop=True)


def binding_failure(detail: str) -> TokenRejected:
    """RFC 9449 §7.1: about the token and its binding, not the proof."""
    return TokenRejected(INVALID, detail, error_code="invalid_token", dpop=True)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


def replay_key(jkt: str, jti: str) -> bytes:
    """The first 16 bytes of SHA-256(jkt NUL jti): the same size whatever the client put in
    its jti, and jwtd's own key (src/auth/dpop_replay_cache.h). The separator cannot occur in a
    jkt (base64url), so no two pairs share a key."""
    return _sha256(f"{jkt}\0{jti}".encode("utf-8"))[:16]


def store_key(jkt: str, jti: str) -> str:
    """The key a replay store is given: base64url of replay_key (22 characters), naming neither
    the client's key nor its jti — the Node SDK's and jwtd's too, so all can share one store."""
    return _b64url(replay_key(jkt, jti))


def access_token_hash(token: str) -> str:
    """base64url(SHA-256(the access token's ASCII)): the ath claim (RFC 9449 §4.2)."""
    return _b64url(_sha256(token.encode("ascii")))


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint: the required members, sorted, no whitespace."""
    members = _THUMBPRINT_MEMBERS[jwk["kty"]]
    text = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(_sha256(text.encode("utf-8")))


def bound_thumbprint(claims: Mapping[str, Any]) -> str | None:
    """The key a verified token is bound to (cnf.jkt, RFC 9449 §6.1), None without cnf. A cnf
    without a jkt string is another confirmation method (mTLS x5t#S256, ...) this verifier
    cannot check: never a bearer token, so it is refused."""
    if "cnf" not in claims:
        return None
    cnf = claims["cnf"]
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise TokenRejected(INVALID, "cnf holds no jkt: a confirmation method this verifier "
                                     "cannot check")
    return jkt


def credential(values: list[str]) -> tuple[str, str] | None:
    """('Bearer' | 'DPoP', token) from the Authorization header's values (RFC 6750 §2.1,
    RFC 9449 §7.1; schemes are case-insensitive), or None: no header, another scheme, or not
    exactly one well-formed credential."""
    if len(values) != 1:
        return None
    m = _CREDENTIAL.fullmatch(values[0].strip())
    if m is None:
        return None
    return ("Bearer" if m.group(1).lower() == "bearer" else "DPoP"), m.group(2)


def _normalize_path(path: str) -> str | None:
    # RFC 3986 §6.2.2.2: percent-encoded unreserved characters decoded, other hex upper case.
    out, i = [], 0
    while i < len(path):
        if path[i] != "%":
            out.append(path[i])
            i += 1
            continue
        hex2 = path[i + 1:i + 3]
        if not _HEX.fullmatch(hex2):
            return None
        c = chr(int(hex2, 16))
        out.append(c if c in _UNRESERVED else "%" + hex2.upper())
        i += 3
    return "".join(out)


def normalize_htu(uri: Any) -> str | None:
    """The form two htu values are compared in (RFC 9449 §4.3 step 9), as jwtd's NormalizeHtu:
    query and fragment removed, scheme and host in lower case, the default port dropped, an
    empty path as "/". None when `uri` is not an absolute http(s) URI. Deliberately not
    urllib.parse, which would accept what jwtd refuses (userinfo) and lose what it keeps."""
    if not isinstance(uri, str):
        return None
    u = re.split(r"[?#]", uri, maxsplit=1)[0]
    scheme, sep, rest = u.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        return None
    authority, slash, path = rest.partition("/")
    path = slash + path if slash else "/"
    # No userinfo in an http(s) target (RFC 9110 §4.2.4); an IPv6 literal keeps its colons.
    if not authority or "@" in authority:
        return None
    colon = authority.rfind(":")
    if colon < authority.rfind("]"):
        colon = -1
    host, port = (authority, "") if colon < 0 else (authority[:colon], authority[colon + 1:])
    if not host or not re.fullmatch(r"[0-9]*", port):
        return None
    normal_path = _normalize_path(path)
    if normal_path is None:
        return None
    default_port = "443" if scheme == "https" else "80"
    port_part = f":{port}" if port and port != default_port else ""
    return f"{scheme}://{host.lower()}{port_part}{normal_path}"


def _is_dpop_typ(typ: Any) -> bool:
    # RFC 7515 §4.1.9 as for every typ: case-insensitive, the "application/" prefix optional.
    if not isinstance(typ, str):
        return False
    t = typ.lower()
    return (t[12:] if t.startswith("application/") else t) == "dpop+jwt"


@dataclass(frozen=True, slots=True)
class _ProofKey:
    alg: str
    jwk: PyJWK
    jkt: str


@dataclass(frozen=True, slots=True)
class Proof:
    """What a valid proof tells: its key's thumbprint, its jti, iat and nonce."""

    jkt: str
    jti: str
    iat: int
    nonce: str | None


def _key_from_header(header: Mapping[str, Any], algs: tuple[str, ...]) -> _ProofKey:
    """RFC 9449 §4.3 steps 3-7 on the decoded header."""
    if not _is_dpop_typ(header.get("typ")):
        raise proof_failure("typ is not dpop+jwt")
    if "crit" in header:
        raise proof_failure("crit in the proof header")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algs:
        raise proof_failure("proof alg not allowed")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise proof_failure("proof header has no jwk object")
    if any(m in jwk for m in _PRIVATE_MEMBERS):
        raise proof_failure("proof jwk has private members")
    kty, crv = PROOF_ALGS[alg]
    members = _THUMBPRINT_MEMBERS.get(jwk.get("kty"), ())
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv) or not all(
            isinstance(jwk.get(m), str) for m in members) or not all(
            b64.decode(jwk[m]) is not None for m in members if m not in ("kty", "crv")):
        raise proof_failure("proof jwk is not a public key of its alg in strict base64url")
    try:
        key = PyJWK({m: jwk[m] for m in members}, algorithm=alg)
    except (PyJWKError, ValueError, TypeError) as e:  # InvalidKeyError is a PyJWKError
        raise proof_failure("proof jwk does not import for its alg") from e
    if kty == "RSA" and not _RSA_BITS[0] <= key.key.key_size <= _RSA_BITS[1]:
        raise proof_failure("proof jwk: RSA modulus size")
    return _ProofKey(alg, key, thumbprint(jwk))


def _check_claims(payload: bytes, method: str, uri: str, access_token: str | None,
                  options: DpopOptions, now: float) -> tuple[str, int, str | None]:
    """RFC 9449 §4.3 steps 8-12 on the verified payload: (jti, iat, nonce)."""
    c = strict_json.parse_object(payload)
    if c is None:
        raise proof_failure("proof payload is not a strict JSON object")
    htm, htu, jti, iat = c.get("htm"), c.get("htu"), c.get("jti"), c.get("iat")
    if not (isinstance(htm, str) and isinstance(htu, str) and isinstance(jti, str)
            and 0 < len(jti.encode("utf-8")) <= _MAX_JTI  # bytes, as jwtd counts
            and isinstance(iat, int) and not isinstance(iat, bool)):
        raise proof_failure("proof lacks htm, htu, a jti or an integer iat")
    if htm != method:  # RFC 9110 §9.1: methods are case-sensitive
        raise proof_failure("htm differs from the request method")
    got = normalize_htu(htu)
    if got is None or got != normalize_htu(uri):
        raise proof_failure("htu differs from the request URI")
    now_s = int(now // 1)
    if iat > now_s + options.skew or iat < now_s - options.window:
        raise proof_failure("proof iat outside the window")
    if access_token is not None:
        ath = c.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
                ath.encode("utf-8"), access_token_hash(access_token).encode("ascii")):
            raise proof_failure("ath differs from the access token's hash")
    nonce = c.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise proof_failure("proof nonce is not a string")
    return jti, iat, nonce


class ProofVerifier:
    """Verifies proofs for one DpopOptions. A checked header is cached by its exact text (a
    client repeats it byte for byte in every proof), so a warm proof skips the JWK import and
    the thumbprint; the cache holds public keys only, and is bounded."""

    def __init__(self, options: DpopOptions, cache_entries: int = 1000) -> None:
        self.options = options
        self._headers: TokenCache[_ProofKey] = TokenCache(cache_entries)

    def verify(self, proof: Any, method: str, uri: str, access_token: str | None,
               now: float) -> Proof:
        """The proof's Proof for the request, else a proof failure (no replay check)."""
        if not isinstance(proof, str) or len(proof) > self.options.max_proof_bytes:
            raise proof_failure("proof is not a JWS compact value of bounded size")
        parts = proof.split(".")
        decoded = [b64.decode(p) for p in parts] if len(parts) == 3 else [None]
        if any(d is None for d in decoded) or not parts[0]:
            raise proof_failure("proof is not a JWS compact value of bounded size")
        header_raw, payload, signature = decoded
        cache_key = digest(parts[0])
        key = self._headers.get(cache_key)
        if key is None:
            header = strict_json.parse_object(header_raw)
            if header is None:
                raise proof_failure("proof header is not a strict JSON object")
            key = _key_from_header(header, self.options.algs)
            self._headers.put(cache_key, key)
        signing_input = proof[: len(parts[0]) + 1 + len(parts[1])].encode("ascii")
        if not key.jwk.Algorithm.verify(signing_input, key.jwk.key, signature):
            raise proof_failure("proof signature does not verify with its jwk")
        jti, iat, nonce = _check_claims(payload, method, uri, access_token, self.options, now)
        return Proof(key.jkt, jti, iat, nonce)


class ReplayCache:
    """The proofs accepted recently, so that a copy of one is refused (RFC 9449 §11.1), as
    jwtd's own: two generations, each `generation_seconds` (window + skew) long; inserts go to
    the current one; when it is over the current becomes the previous and the previous is
    dropped whole. A proof accepted at t is so remembered until at least t + generation, when
    its iat can no longer pass the window. Each generation holds at most half of max_entries:
    when the current one is full, add() answers 'full' and records nothing (the caller refuses
    rather than accept a proof it could not remember). Keys are 128 bits of SHA-256 over
    (jkt, jti), the same size whatever the client put in its jti."""

    def __init__(self, generation_seconds: int, max_entries: int) -> None:
        self._generation = generation_seconds
        self._max = max(1, max_entries // 2)
        self._current: set[bytes] = set()
        self._previous: set[bytes] = set()
        self._start: float | None = None
        self._lock = threading.Lock()

    def add(self, jkt: str, jti: str, now: float) -> str:
        """'new', 'seen' (recorded before, not yet forgotten) or 'full' (nothing recorded)."""
        key = replay_key(jkt, jti)
        with self._lock:
            self._advance(now)
            if key in self._current or key in self._previous:
                return "seen"
            if len(self._current) >= self._max:
                return "full"
            self._current.add(key)
            return "new"

    def _advance(self, now: float) -> None:
        g = self._generation
        if self._start is not None and now < self._start + g:
            return
        # One generation over: it becomes the previous. Two or more: both are past.
        kept = self._start is not None and now < self._start + 2 * g
        self._previous = self._current if kept else set()
        self._current = set()
        self._start = now if self._start is None else self._start + g * ((now - self._start) // g)

    def __len__(self) -> int:
        with self._lock:
            return len(self._current) + len(self._previous)


class DpopChecker:
    """A request's binding (RFC 9449 §7): the scheme against the token's cnf, then the one
    proof — verified, recorded against replay (here, then in the shared replay store if one is
    set), and by the key the token is bound to. check_binding is the synchronous path (its
    store claim a plain call), check_binding_async the asyncio one (an async claim awaited, a
    plain one on a worker thread, as the JWKS refetch: a blocking client must not hold the
    loop)."""

    def __init__(self, options: DpopOptions | None = None) -> None:
        self.options = options or DpopOptions()
        self._proofs = ProofVerifier(self.options)
        self.replay = ReplayCache(self.options.window + self.options.skew,
                                  self.options.replay_entries)
        store = self.options.replay_store
        self._store_is_async = store is not None and inspect.iscoroutinefunction(store.claim)
        self._store_failing = False  # for one log line per outage (a race costs a second one)

    def check_binding(self, scheme: str, claims: Mapping[str, Any], token: str,
                      proofs: list[str], method: str | None, url: str | None,
                      now: float) -> None:
        """Returns when the request may use the token; a binding or proof failure otherwise."""
        found = self._new_proof(scheme, claims, token, proofs, method, url, now)
        if found is None:
            return
        proof, jkt = found
        if self.options.replay_store is not None:
            self._settle(*self._claim(proof))
        _bind(proof, jkt)

    async def check_binding_async(self, scheme: str, claims: Mapping[str, Any], token: str,
                                  proofs: list[str], method: str | None, url: str | None,
                                  now: float) -> None:
        """As check_binding, for an asyncio caller: the replay store's claim is awaited."""
        found = self._new_proof(scheme, claims, token, proofs, method, url, now)
        if found is None:
            return
        proof, jkt = found
        if self.options.replay_store is not None:
            self._settle(*await self._claim_async(proof))
        _bind(proof, jkt)

    def _new_proof(self, scheme: str, claims: Mapping[str, Any], token: str, proofs: list[str],
                   method: str | None, url: str | None, now: float) -> tuple[Proof, str] | None:
        """(the proof, the token's jkt) for a proof that passed every check and is new to this
        process; None for a Bearer request that may go on."""
        jkt = bound_thumbprint(claims)
        if scheme == "Bearer":
            # RFC 9449 §7.2: a bound token sent as a bearer token is what a thief sends.
            if jkt is not None:
                raise binding_failure("a DPoP-bound token sent as bearer")
            return None
        if jkt is None:
            raise binding_failure("the DPoP scheme needs a DPoP-bound token")
        if not proofs:
            raise proof_failure("a DPoP-bound token without a proof")
        if len(proofs) > 1:  # RFC 9449 §4.3 step 1: exactly one
            raise proof_failure("more than one DPoP proof")
        if not isinstance(method, str) or not isinstance(url, str):
            raise TypeError("verify_request: method and url (absolute) are required with DPoP")
        proof = self._proofs.verify(proofs[0].strip(), method, url, token, now)
        # Only accepted proofs are recorded: a refused one never burns its jti (as jwtd). The
        # local cache answers first, so a replay to this same process costs no round trip.
        outcome = self.replay.add(proof.jkt, proof.jti, now)
        if outcome == "seen":
            raise proof_failure("the proof's jti was used before")
        if outcome == "full":
            raise TokenRejected(STALE, REPLAY_FULL, error_code="temporarily_unavailable",
                                dpop=True, retry_after=self.options.window)
        return proof, jkt

    def _claim(self, proof: Proof) -> tuple[Any, str | None]:
        """(the store's answer, None), or (None, what went wrong) — by the exception's class,
        never its message, which could hold a connection string."""
        store = self.options.replay_store
        if self._store_is_async:
            return None, "an async claim() on the synchronous path: use AsyncVerifier"
        key, ttl = store_key(proof.jkt, proof.jti), self.options.window + self.options.skew
        try:
            answer = store.claim(key, ttl)
        except Exception as e:  # any failure of the store: refused below, never accepted
            return None, type(e).__name__
        if inspect.isawaitable(answer):
            getattr(answer, "close", lambda: None)()  # never awaited here: no warning either
            return None, "an awaitable claim() on the synchronous path: use AsyncVerifier"
        return answer, None

    async def _claim_async(self, proof: Proof) -> tuple[Any, str | None]:
        store = self.options.replay_store
        key, ttl = store_key(proof.jkt, proof.jti), self.options.window + self.options.skew
        try:
            if self._store_is_async:
                answer = await store.claim(key, ttl)
            else:
                answer = await asyncio.to_thread(store.claim, key, ttl)
                if inspect.isawaitable(answer):
                    answer = await answer
        except Exception as e:  # CancelledError is not one: a cancelled request stays cancelled
            return None, type(e).__name__
        return answer, None

    def _settle(self, answer: Any, failure: str | None) -> None:
        """Only True accepts; False is a replay, as a local one; anything else refuses as
        stale, since a proof the store did not record could be replayed to every other
        process. Logged once when the store starts failing and once when it answers again."""
        if failure is None and (answer is True or answer is False):
            if self._store_failing:
                self._store_failing = False
                _log.warning("the DPoP replay store answers again")
            if answer:
                return
            raise proof_failure("the proof's jti was used before")
        if not self._store_failing:
            self._store_failing = True
            _log.warning("the DPoP replay store failed (%s); DPoP requests are refused (503) "
                         "until it answers", failure or "an answer neither True nor False")
        raise TokenRejected(STALE, REPLAY_STORE_FAILED, error_code="temporarily_unavailable",
                            dpop=True, retry_after=1)

    @property
    def replay_store_failing(self) -> bool:
        return self._store_failing


def _bind(proof: Proof, jkt: str) -> None:
    """RFC 9449 §7.1 step 5: the proof's key is the one the token is bound to."""
    if not hmac.compare_digest(proof.jkt.encode("ascii"), jkt.encode("utf-8")):
        raise binding_failure("the proof's key is not the token's")
