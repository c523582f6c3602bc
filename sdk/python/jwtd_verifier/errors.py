"""What a verifier reports: the four decisions of docs/verifying.md, and configuration errors."""

from __future__ import annotations

EXPIRED = "expired"  # exp passed, or the lifetime cap: refresh and retry
REVOKED = "revoked"  # a feed entry refuses the token: sign in again
INVALID = "invalid"  # anything else: signature, key, header, claims, syntax
STALE = "stale"  # the revocation view is not current: temporarily unavailable, never "signed out"

REASONS = frozenset({EXPIRED, REVOKED, INVALID, STALE})


class TokenRejected(Exception):
    """A token (or a request: verify_request) was refused.

    `reason` is one of 'expired', 'revoked', 'invalid', 'stale' (what a client may be told);
    `detail` names the precise check for logs and metrics. Neither ever contains the token.
    `error_code` is the OAuth error a resource server answers with (RFC 6750 §3.1, RFC 9449
    §7.1): 'invalid_token', 'invalid_dpop_proof' (the DPoP proof is wrong), 'invalid_request'
    (no usable Authorization header) or 'temporarily_unavailable' (stale). `dpop` is True when
    the DPoP rules refused the request (the proof, or how the token is bound to it): the
    challenge is then `DPoP`, as jwtd's own. `retry_after` (seconds) is set when a DPoP proof's
    replay check could not be made (the replay cache full, the shared replay store failing).
    """

    def __init__(self, reason: str, detail: str, *, error_code: str | None = None,
                 dpop: bool = False, retry_after: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.error_code = error_code or (
            "temporarily_unavailable" if reason == STALE else "invalid_token")
        self.dpop = dpop
        self.retry_after = retry_after


class ConfigurationError(Exception):
    """The verifier cannot be set up as asked (bad options, metadata that does not fit)."""


class FeedError(Exception):
    """jwtd answered something the verifier cannot follow (status, framing, malformed data)."""
