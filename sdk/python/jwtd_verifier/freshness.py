"""How current the revocation view is (docs/verifying.md, "The staleness bound").

A proof of currency ("every entry up to current_seq has reached you, as read from the log at
verified_at_ms") ages from the moment it arrived: age = the feed's own lag (server_time_ms −
verified_at_ms, both the server's clock) + this process's monotonic time since arrival. No two
clocks are compared. The view is current while age ≤ the bound.

Thread-safety: `proved` and `invalidate` run on the follower's thread, `age_ms` and
`is_current` anywhere; the proof is one tuple replaced by assignment. `wait` blocks on a
condition notified by every proof.
"""

from __future__ import annotations

import threading
import time
from typing import Callable


class Freshness:
    def __init__(self, bound_ms: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bound_ms = bound_ms
        self._monotonic = monotonic
        self._proof: tuple[float, float] | None = None  # (lag ms, monotonic s at arrival)
        self._changed = threading.Condition()

    def proved(self, lag_ms: float, arrived: float) -> None:
        """A proof of currency with the feed's lag, received at monotonic time `arrived`."""
        self._proof = (max(0.0, lag_ms), arrived)
        with self._changed:
            self._changed.notify_all()

    def invalidate(self) -> None:
        """The view is known not to be current (a reset under way) until the next proof."""
        self._proof = None

    def age_ms(self) -> float | None:
        proof = self._proof
        if proof is None:
            return None
        return proof[0] + (self._monotonic() - proof[1]) * 1000.0

    def is_current(self) -> bool:
        proof = self._proof
        if proof is None:
            return False
        return proof[0] + (self._monotonic() - proof[1]) * 1000.0 <= self.bound_ms

    def wait(self, timeout: float) -> bool:
        """True once current, False if not within `timeout` seconds."""
        deadline = self._monotonic() + timeout
        with self._changed:
            while not self.is_current():
                remaining = deadline - self._monotonic()
                if remaining <= 0:
                    return False
                # Bounded wait: a proof may also have been recorded between check and wait.
                self._changed.wait(min(remaining, 0.05))
        return True
