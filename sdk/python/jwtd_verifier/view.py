"""The revocation view: the live entries of jwtd's revocation log, as a follower has applied them
(docs/verifying.md §2), and the check of a token's claims against them.

An entry matters until its `expires_at` (0: forever) and is then forgotten; until a sweep
removes it, `check` ignores it by time. Applying is idempotent and only ever makes the view
stricter: a later expiry wins, a user's minimum version never goes down.

Thread-safety: one writer (the feed follower) calls `apply` and `sweep`; any number of threads
call `check` concurrently. Each read is one dict lookup, atomic under the GIL, and the writer
only ever replaces a value or deletes a key, so a reader sees either the old or the new entry.
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import FeedError

KINDS = ("jti", "session", "user_version", "key")
_NEVER = 0


def canonical_user_id(text: str) -> bool:
    """jwtd's user ids are canonical decimals ("7", never "07"): one spelling per user."""
    return 0 < len(text) <= 19 and text.isascii() and text.isdigit() and text[0] != "0"


def _live(expires_at: int, now: float) -> bool:
    return expires_at == _NEVER or expires_at >= now


def _later(a: int, b: int) -> int:
    return _NEVER if _NEVER in (a, b) else max(a, b)


def parse_entry(raw: Any) -> tuple[int, str, str, int, int]:
    """(seq, kind, key, value, expires_at) of a feed entry; FeedError for a malformed one."""
    if not isinstance(raw, dict):
        raise FeedError("feed entry is not an object")
    seq, kind, key = raw.get("seq"), raw.get("kind"), raw.get("key")
    value, expires_at = raw.get("value", 0), raw.get("expires_at", 0)
    for name, v in (("seq", seq), ("value", value), ("expires_at", expires_at)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise FeedError(f"feed entry {name} is not a non-negative integer")
    if kind not in KINDS or not isinstance(key, str):
        raise FeedError("feed entry has an unknown kind or no key")
    return seq, kind, key, value, expires_at


class RevocationView:
    def __init__(self, strategies: frozenset[str] = frozenset({"denylist", "version"})) -> None:
        self._denylist = "denylist" in strategies
        self._version = "version" in strategies
        self._jtis: dict[str, int] = {}  # jti -> expires_at
        self._sessions: dict[str, int] = {}  # sid -> expires_at
        self._versions: dict[str, tuple[int, int]] = {}  # user id -> (minimum ver, expires_at)
        self._keys: dict[str, int] = {}  # kid -> expires_at
        self.applied_seq = 0  # the highest seq applied

    def apply(self, raw: Mapping[str, Any]) -> int:
        """Applies one feed entry and returns its seq. FeedError for a malformed entry."""
        seq, kind, key, value, expires_at = parse_entry(raw)
        if kind == "jti":
            self._jtis[key] = _later(self._jtis.get(key, expires_at), expires_at)
        elif kind == "session":
            self._sessions[key] = _later(self._sessions.get(key, expires_at), expires_at)
        elif kind == "key":
            self._keys[key] = _later(self._keys.get(key, expires_at), expires_at)
        elif canonical_user_id(key):  # any other key cannot match a sub
            old = self._versions.get(key)
            if old is None:
                self._versions[key] = (value, expires_at)
            elif value >= old[0]:
                # The newest bump's expiry covers every older token of the user.
                self._versions[key] = (value, _later(old[1], expires_at))
        self.applied_seq = max(self.applied_seq, seq)
        return seq

    def check(self, kid: str, claims: Mapping[str, Any], now: float) -> str | None:
        """None when no live entry refuses the token, else why (for logs)."""
        # A revoked key's tokens are never good, whatever the strategies.
        exp = self._keys.get(kid)
        if exp is not None and _live(exp, now):
            return "key revoked"
        if self._denylist:
            jti, sid = claims.get("jti"), claims.get("sid")
            exp = self._jtis.get(jti) if isinstance(jti, str) else None
            if exp is not None and _live(exp, now):
                return "jti denied"
            exp = self._sessions.get(sid) if isinstance(sid, str) else None
            if exp is not None and _live(exp, now):
                return "session ended"
        if self._version:
            # jwtd's tokens always carry ver; one without it counts as 0, below every minimum
            # (at least 1), so it is refused while the version strategy is on.
            sub = claims.get("sub")
            entry = self._versions.get(sub) if isinstance(sub, str) else None
            minimum = entry[0] if entry is not None and _live(entry[1], now) else 1
            if claims.get("ver", 0) < minimum:
                return "version bumped"
        return None

    def sweep(self, now: float) -> None:
        """Forgets entries past their expires_at. Writer thread only."""
        for table in (self._jtis, self._sessions, self._keys):
            for key in [k for k, exp in table.items() if not _live(exp, now)]:
                del table[key]
        for key in [k for k, (_, exp) in self._versions.items() if not _live(exp, now)]:
            del self._versions[key]

    def sizes(self) -> dict[str, int]:
        return {"jti": len(self._jtis), "session": len(self._sessions),
                "user_version": len(self._versions), "key": len(self._keys)}
