"""Small waits shared by the live tests: bounded loops only."""

from __future__ import annotations

import time
from typing import Callable

from jwtd_verifier import TokenRejected, Verifier


def outcome(verifier: Verifier, token: str) -> str:
    try:
        verifier.verify(token)
        return "valid"
    except TokenRejected as e:
        return e.reason


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.0005) -> float | None:
    """Seconds until predicate() held, or None if it did not within timeout."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(step)


def percentile(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]
