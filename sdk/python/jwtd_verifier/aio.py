"""AsyncVerifier: the Verifier's methods as coroutines, for asyncio applications.

The feed is still followed on the Verifier's own thread (it never touches the event loop);
`verify` runs the check inline (pure computation, microseconds once a token is cached) and moves
only the blocking JWKS refetch for an unknown kid off the loop. `verify_request` awaits the
shared DPoP replay store (DpopOptions.replay_store), if there is one: an async claim on the
loop, a plain (blocking) one on a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .access_check import UnknownKid
from .verifier import Verifier


class AsyncVerifier:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The same arguments as Verifier; following starts at once."""
        self._v = kwargs.pop("_verifier", None) or Verifier(*args, **kwargs)

    @classmethod
    def wrap(cls, verifier: Verifier) -> "AsyncVerifier":
        """An AsyncVerifier over an existing Verifier (they share the feed and the cache)."""
        return cls(_verifier=verifier)

    @property
    def sync(self) -> Verifier:
        return self._v

    @property
    def dpop_algs(self) -> tuple[str, ...]:
        return self._v.dpop_algs

    async def verify(self, token: str) -> dict[str, Any]:
        """As Verifier.verify."""
        try:
            return self._v._check(token)
        except UnknownKid:
            if await asyncio.to_thread(self._v._refetch_for_unknown_kid):
                return self._v._check(token)
            raise

    async def verify_request(self, authorization: Any, dpop: Any = None, method: Any = None,
                             url: Any = None) -> dict[str, Any]:
        """As Verifier.verify_request; an async replay store's claim is awaited."""
        try:
            return await self._v._check_request_async(authorization, dpop, method, url)
        except UnknownKid:  # raised before any proof is checked: retrying records nothing twice
            if await asyncio.to_thread(self._v._refetch_for_unknown_kid):
                return await self._v._check_request_async(authorization, dpop, method, url)
            raise

    async def wait_current(self, timeout: float) -> bool:
        """As Verifier.wait_current, without blocking the loop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._v._freshness.is_current():
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(min(0.01, max(0.0, deadline - loop.time())))
        return True

    async def status(self) -> dict[str, Any]:
        return self._v.status()

    async def close(self) -> None:
        await asyncio.to_thread(self._v.close)

    async def __aenter__(self) -> "AsyncVerifier":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
