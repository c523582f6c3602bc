"""What a verifier reports: the four decisions of docs/verifying.md, and configuration errors."""

from __future__ import annotations

EXPIRED = "expired"  # exp passed, or the lifetime cap: refresh and retry
REVOKED = "revoked"  # a feed entry refuses the token: sign in again
INVALID = "invalid"  # anything else: signature, key, header, claims, syntax
STALE = "stale"  # the revocation view is not current: temporarily unavailable, never "signed out"

REASONS = frozenset({EXPIRED, REVOKED, INVALID, STALE})


class TokenRejected(Exception):
    """A token was refused.

    `reason` is one of 'expired', 'revoked', 'invalid', 'stale' (what a client may be told);
    `detail` names the precise check for logs and metrics. Neither ever contains the token.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ConfigurationError(Exception):
    """The verifier cannot be set up as asked (bad options, metadata that does not fit)."""


class FeedError(Exception):
    """jwtd answered something the verifier cannot follow (status, framing, malformed data)."""
