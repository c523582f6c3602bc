"""verify jwtd's access tokens in a resource server, following jwtd's revocation
feed so that a logout is refused within a bounded time (docs/verifying.md)."""

from .access_check import AccessChecker
from .aio import AsyncVerifier
from .dpop import DpopOptions, ReplayStore
from .errors import (EXPIRED, INVALID, REVOKED, STALE, ConfigurationError, FeedError,
                     TokenRejected)
from .keys import load_jwks
from .profile import Profile
from .verifier import Verifier
from .view import RevocationView

__version__ = "0.1.0"

__all__ = [
    "AccessChecker", "AsyncVerifier", "ConfigurationError", "DpopOptions", "EXPIRED", "FeedError",
    "INVALID", "Profile", "REVOKED", "ReplayStore", "RevocationView", "STALE", "TokenRejected",
    "Verifier", "load_jwks",
]
