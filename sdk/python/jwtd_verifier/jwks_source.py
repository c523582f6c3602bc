"""jwtd's public keys, kept fresh: fetched at start, refreshed in the background when the
response's Cache-Control max-age has passed, and refetched on an unknown kid at most once per
cooldown (jwtd publishes the next key a day before it signs with it, so an unknown kid is almost
always a token from elsewhere: it must not make us hammer jwtd).

Thread-safety: `keys` is a dict replaced by assignment, never mutated. Fetches are single-flight
(one lock); `refetch_for_unknown_kid` may block its caller for up to the HTTP timeout.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Callable

from . import strict_json
from .errors import FeedError
from .http_client import TRANSPORT_ERRORS, HttpClient
from .keys import PublicKey, load_jwks

_MAX_JWKS_BYTES = 1024 * 1024
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.IGNORECASE)
_DEFAULT_MAX_AGE = 300.0


class JwksSource:
    def __init__(self, http: HttpClient, url: str, cooldown: float,
                 on_change: Callable[[dict[str, PublicKey]], None],
                 log: logging.Logger, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._http = http
        self._url = url
        self._cooldown = cooldown
        self._on_change = on_change
        self._log = log
        self._monotonic = monotonic
        self._lock = threading.Lock()  # single flight
        self.keys: dict[str, PublicKey] = {}
        self._fetched_at: float | None = None  # monotonic time of the last attempt
        self._refetched_at: float | None = None  # ... of the last one for an unknown kid
        self._max_age = _DEFAULT_MAX_AGE
        self._refreshing = False

    def fetch(self) -> None:
        """Fetches the JWKS now. FeedError or OSError when it cannot; the old keys stay."""
        with self._lock:
            self._fetched_at = self._monotonic()
            resp = self._http.get(self._url, {"Accept": "application/json"}, _MAX_JWKS_BYTES)
            if resp.status != 200:
                raise FeedError(f"JWKS answered {resp.status}")
            doc = strict_json.parse_object(resp.body)
            if doc is None:
                raise FeedError("JWKS is not a JSON object")
            fresh = load_jwks(doc)
            old = self.keys
            # An unchanged key keeps its object, so tokens cached under it stay cached.
            keys = {kid: old[kid] if kid in old and old[kid].source == k.source else k
                    for kid, k in fresh.items()}
            m = _MAX_AGE.search(resp.headers.get("Cache-Control", ""))
            self._max_age = min(max(float(m.group(1)), 30.0), 3600.0) if m else _DEFAULT_MAX_AGE
            if keys.keys() != old.keys() or any(keys[k] is not old[k] for k in keys):
                self.keys = keys
                self._on_change(keys)
                self._log.info("JWKS now holds %s", sorted(keys))

    def refetch_for_unknown_kid(self) -> bool:
        """Refetches unless the last refetch for an unknown kid was within the cooldown; True
        if it refetched. (Scheduled fetches do not count: a key rotated in just after start is
        still found.)"""
        with self._lock:
            last = self._refetched_at
            if last is not None and self._monotonic() - last < self._cooldown:
                return False
            self._refetched_at = self._monotonic()
        try:
            self.fetch()
        except (*TRANSPORT_ERRORS, FeedError) as e:
            self._log.warning("JWKS refetch failed: %s", e)
        return True

    def refresh_if_due(self) -> None:
        """Starts a background refresh once max-age has passed (never blocks the caller)."""
        last = self._fetched_at
        if self._refreshing or last is None or self._monotonic() - last < self._max_age:
            return
        self._refreshing = True
        threading.Thread(target=self._refresh, name="jwtd-verifier-jwks", daemon=True).start()

    def _refresh(self) -> None:
        try:
            self.fetch()
        except (*TRANSPORT_ERRORS, FeedError) as e:
            self._log.warning("JWKS refresh failed (keeping the old keys): %s", e)
        finally:
            self._refreshing = False
