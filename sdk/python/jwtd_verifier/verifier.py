"""Verifier: verifies jwtd's access tokens in-process, following jwtd's revocation feed.

    v = Verifier(issuer="https://auth.example", feed_client_id="rs1", feed_client_secret="...")
    v.wait_current(5.0)
    claims = v.verify(token)          # or TokenRejected(.reason in expired|revoked|invalid|stale)
    claims = v.verify_request(authorization=..., dpop=..., method="GET",
                              url="https://api.example/v1/me")   # Bearer or DPoP (RFC 9449)

A background thread discovers the metadata and the JWKS, pages the feed and then follows its
stream, retrying with a bounded backoff whatever goes wrong. `verify` never does I/O except
the rare JWKS refetch on an unknown kid (at most once per cooldown).

Thread-safety: every method may be called from any thread.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
import urllib.parse
from typing import Any, Callable

from . import strict_json
from .access_check import AccessChecker, UnknownKid
from .dpop import PROOF_ALGS, DpopOptions
from .errors import STALE, ConfigurationError, FeedError, TokenRejected
from .feed_follower import FeedFollower
from .freshness import Freshness
from .http_client import TRANSPORT_ERRORS, HttpClient, basic_auth, rebase
from .jwks_source import JwksSource
from .profile import profile_from_metadata
from .view import RevocationView

_METADATA_PATH = "/.well-known/oauth-authorization-server"
_MAX_METADATA_BYTES = 256 * 1024
_BACKOFF_MIN, _BACKOFF_MAX = 0.05, 1.0  # seconds; short, since the view goes stale in 1 s
_TRANSPORTS = ("auto", "stream", "poll")


def metadata_url(issuer: str) -> str:
    """RFC 8414 §3: the well-known path goes between the issuer's origin and its path."""
    u = urllib.parse.urlsplit(issuer)
    path = _METADATA_PATH + u.path.rstrip("/")
    return urllib.parse.urlunsplit((u.scheme, u.netloc, path, "", ""))


class Verifier:
    def __init__(self, issuer: str, feed_client_id: str, feed_client_secret: str, *,
                 base_url: str | None = None, audience: str | None = None,
                 staleness_bound: float = 1.0, fail_open: bool = False,
                 clock: Callable[[], float] = time.time, cache_entries: int = 10000,
                 jwks_cooldown: float = 30.0, timeout: float = 5.0,
                 ssl_context: ssl.SSLContext | None = None, transport: str = "auto",
                 logger: logging.Logger | None = None, dpop: DpopOptions | None = None) -> None:
        """Starts following at once (a daemon thread); returns without waiting for it.

        issuer: jwtd's issuer URL: the `iss` required, and where the metadata is discovered
            unless `base_url` says where jwtd is reached (its endpoints are then taken under it).
        feed_client_id, feed_client_secret: one of jwtd's `feed.clients`.
        audience: the `aud` to require (default: the metadata's access_token_audience).
        staleness_bound: seconds a proof of currency stays good (docs/verifying.md).
        fail_open: accept tokens on a stale view instead of refusing them 'stale' (logged, and
            shown in status()). Off by default: a stale view may miss a logout.
        clock: wall-clock seconds for exp/nbf/iat and entry expiry.
        transport: 'auto' (stream, polling pages if jwtd has none), 'stream' or 'poll'.
        dpop: what DPoP proofs must satisfy (verify_request); default DpopOptions() with the
            algorithms jwtd's metadata lists (dpop_signing_alg_values_supported), if any. Its
            replay_store is shared by every process (dpop.ReplayStore); here its claim is
            called synchronously (AsyncVerifier awaits an async one).
        ConfigurationError for unusable options.
        """
        if transport not in _TRANSPORTS:
            raise ConfigurationError(f"transport must be one of {_TRANSPORTS}")
        if not 0 < staleness_bound <= 3600 or timeout <= 0 or jwks_cooldown < 0:
            raise ConfigurationError(
                "staleness_bound in (0, 3600], timeout > 0, jwks_cooldown >= 0")
        if not issuer:
            raise ConfigurationError("issuer is required")
        self._issuer = issuer
        self._auth = basic_auth(feed_client_id, feed_client_secret)
        self._base_url = base_url
        self._audience = audience
        self._clock = clock
        self._cache_entries = cache_entries
        self._jwks_cooldown = jwks_cooldown
        self._transport = transport
        self._dpop = dpop
        self._log = logger or logging.getLogger("jwtd_verifier")
        self._http = HttpClient(timeout, ssl_context)
        self._freshness = Freshness(staleness_bound * 1000.0)
        self._fail_open = fail_open
        self._fail_open_noted = False  # one log line per stale stretch
        self._accepted_stale = 0
        self._closed = threading.Event()
        self._last_error: str | None = None
        self._checker: AccessChecker | None = None
        self._jwks: JwksSource | None = None
        self._follower: FeedFollower | None = None
        if fail_open:
            self._log.warning("fail_open is on: tokens are accepted while the "
                              "revocation view is stale, so a recent logout may be missed")
        self._thread = threading.Thread(target=self._run, name="jwtd-verifier-feed", daemon=True)
        self._thread.start()

    # -- the public surface -------------------------------------------------------------

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or TokenRejected. Blocks only to refetch the JWKS for an
        unknown kid (at most once per jwks_cooldown, bounded by the HTTP timeout)."""
        try:
            return self._check(token)
        except UnknownKid:
            if self._jwks is not None and self._jwks.refetch_for_unknown_kid():
                return self._check(token)
            raise

    def verify_request(self, authorization: str | list[str] | None,
                       dpop: str | list[str] | None = None, method: str | None = None,
                       url: str | None = None) -> dict[str, Any]:
        """The claims for a request, Bearer or DPoP (RFC 9449), or TokenRejected (with
        .error_code and .dpop for the answer): `authorization` and `dpop` are the headers'
        values, `method` the request's, `url` the absolute URL the client addressed (your
        configured origin plus the path: never built from the Host header)."""
        try:
            return self._check_request(authorization, dpop, method, url)
        except UnknownKid:  # raised before any proof is checked: retrying records nothing twice
            if self._jwks is not None and self._jwks.refetch_for_unknown_kid():
                return self._check_request(authorization, dpop, method, url)
            raise

    def wait_current(self, timeout: float) -> bool:
        """Blocks until the revocation view is current; False if not within `timeout` s."""
        return self._freshness.wait(timeout)

    def status(self) -> dict[str, Any]:
        """What the follower is doing, for health checks and logs (never a secret)."""
        f, c = self._follower, self._checker
        age = self._freshness.age_ms()
        return {
            "issuer": self._issuer,
            "current": self._freshness.is_current(),
            "age_ms": None if age is None else round(age, 1),
            "staleness_bound_ms": self._freshness.bound_ms,
            "fail_open": self._fail_open,
            "accepted_while_stale": self._accepted_stale,
            "mode": "closed" if self._closed.is_set() else (f.mode if f else "discovering"),
            "cursor": f.cursor if f else 0,
            "view": f.view.sizes() if f else {},
            "counters": dict(f.counters) if f else {},
            "keys": sorted(c.keys) if c else [],
            "last_error": self._last_error,
        }

    def close(self) -> None:
        """Stops following and waits (briefly) for the thread. verify() then answers 'stale'."""
        self._closed.set()
        if self._follower is not None:
            self._follower.close_stream()
        self._thread.join(timeout=5.0)
        self._freshness.invalidate()

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for AsyncVerifier: the check without the blocking refetch -------------------------

    def _check(self, token: str) -> dict[str, Any]:
        checker = self._checker
        if checker is None:
            raise TokenRejected(STALE, "jwtd's metadata and keys are not loaded yet")
        return checker.check(token)

    def _check_request(self, authorization: Any, dpop: Any, method: Any,
                       url: Any) -> dict[str, Any]:
        checker = self._checker
        if checker is None:
            raise TokenRejected(STALE, "jwtd's metadata and keys are not loaded yet")
        return checker.check_request(authorization, dpop, method, url)

    async def _check_request_async(self, authorization: Any, dpop: Any, method: Any,
                                   url: Any) -> dict[str, Any]:
        checker = self._checker
        if checker is None:
            raise TokenRejected(STALE, "jwtd's metadata and keys are not loaded yet")
        return await checker.check_request_async(authorization, dpop, method, url)

    @property
    def dpop_algs(self) -> tuple[str, ...]:
        """The algorithms DPoP proofs may use (for the adapters' challenge)."""
        checker = self._checker
        if checker is not None:
            return checker.dpop.options.algs
        return (self._dpop or DpopOptions()).algs

    def _refetch_for_unknown_kid(self) -> bool:
        return self._jwks is not None and self._jwks.refetch_for_unknown_kid()

    # -- the background thread ------------------------------------------------------------

    def _run(self) -> None:
        backoff = _BACKOFF_MIN

        def healthy() -> None:
            nonlocal backoff
            backoff = _BACKOFF_MIN
            self._last_error = None
            self._fail_open_noted = False
            if self._jwks is not None:
                self._jwks.refresh_if_due()

        while not self._closed.is_set():
            try:
                if self._follower is None:
                    self._discover()
                self._follower.follow(self._closed, healthy)
            except (*TRANSPORT_ERRORS, FeedError, ConfigurationError) as e:
                if self._closed.is_set():
                    break
                if str(e) != self._last_error:
                    self._log.warning("%s (retrying)", e or type(e).__name__)
                self._last_error = str(e) or type(e).__name__
                self._closed.wait(backoff * random.uniform(0.5, 1.0))
                backoff = min(backoff * 2, _BACKOFF_MAX)
            except Exception:  # never let the follower die silently: log and go on
                self._log.exception("unexpected error in the feed follower")
                self._last_error = "unexpected error (see log)"
                self._closed.wait(_BACKOFF_MAX)

    def _discover(self) -> None:
        url = rebase(metadata_url(self._issuer), self._base_url)
        resp = self._http.get(url, {"Accept": "application/json"}, _MAX_METADATA_BYTES)
        if resp.status != 200:
            raise FeedError(f"metadata at {url} answered {resp.status}")
        meta = strict_json.parse_object(resp.body)
        if meta is None:
            raise FeedError(f"metadata at {url} is not a JSON object")
        profile = profile_from_metadata(meta, self._issuer, self._audience)
        for name in ("jwks_uri", "revocation_feed_endpoint"):
            if not isinstance(meta.get(name), str):
                raise ConfigurationError(f"metadata has no {name}: is this jwtd with a feed?")
        stream = meta.get("revocation_feed_stream_endpoint")
        if self._transport == "stream" and not isinstance(stream, str):
            raise ConfigurationError("transport='stream', but the metadata names no stream")
        heartbeat = meta.get("revocation_feed_heartbeat_ms", 100)
        jwks = JwksSource(self._http, rebase(meta["jwks_uri"], self._base_url),
                          self._jwks_cooldown, self._keys_changed, self._log)
        jwks.fetch()
        checker = AccessChecker(profile, jwks.keys, RevocationView(profile.strategies),
                                self._freshness.is_current, self._clock, self._cache_entries,
                                self._fail_open, self._accepting_stale,
                                self._dpop or _dpop_from_metadata(meta))
        follower = FeedFollower(
            self._http, self._auth, rebase(meta["revocation_feed_endpoint"], self._base_url),
            rebase(stream, self._base_url) if isinstance(stream, str) else None,
            profile.strategies, self._freshness,
            heartbeat if isinstance(heartbeat, int) and heartbeat > 0 else 100,
            self._transport if isinstance(stream, str) else "poll", self._install_view,
            self._clock, self._log)
        checker.view = follower.view
        self._jwks, self._follower, self._checker = jwks, follower, checker

    def _keys_changed(self, keys: dict) -> None:
        if self._checker is not None:
            self._checker.keys = keys

    def _install_view(self, view: RevocationView) -> None:
        if self._checker is not None:
            self._checker.view = view

    def _accepting_stale(self) -> None:
        self._accepted_stale += 1
        if not self._fail_open_noted:
            self._fail_open_noted = True
            age = self._freshness.age_ms()
            self._log.warning("revocation view stale (age %s ms); accepting "
                              "tokens anyway (fail_open)", "unknown" if age is None else round(age))


def _dpop_from_metadata(meta: dict[str, Any]) -> DpopOptions:
    """The default DPoP options, with the proof algorithms jwtd lists (RFC 9449 §5.1) that
    this package can verify; ES256 and EdDSA when it lists none."""
    listed = meta.get("dpop_signing_alg_values_supported")
    usable = tuple(a for a in listed if a in PROOF_ALGS) if isinstance(listed, list) else ()
    return DpopOptions(algs=usable) if usable else DpopOptions()
