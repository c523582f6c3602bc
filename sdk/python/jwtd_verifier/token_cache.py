"""A bounded cache of tokens whose signature already verified, keyed by a digest of the token.

A hit skips only the signature and the parse: the caller re-runs every time check and the
revocation check on every use (the same split as jwtd's own VerifiedTokenCache). Entries leave
first-in first-out once `capacity` is reached.

Thread-safety: lookups take no lock (one dict read, atomic under the GIL); inserts and evictions
hold one lock.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Generic, TypeVar

V = TypeVar("V")


def digest(token: str) -> bytes:
    """The cache key: 128 bits of BLAKE2b (the cache never holds a token in the clear)."""
    return hashlib.blake2b(token.encode("ascii", "replace"), digest_size=16).digest()


class TokenCache(Generic[V]):
    def __init__(self, capacity: int) -> None:
        self._capacity = max(0, capacity)
        self._entries: dict[bytes, V] = {}
        self._lock = threading.Lock()

    def get(self, key: bytes) -> V | None:
        return self._entries.get(key)

    def put(self, key: bytes, value: V) -> None:
        if self._capacity == 0:
            return
        with self._lock:
            if key not in self._entries and len(self._entries) >= self._capacity:
                del self._entries[next(iter(self._entries))]  # the oldest insert
            self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
