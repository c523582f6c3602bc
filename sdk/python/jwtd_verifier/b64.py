"""Strict unpadded base64url (RFC 7515 §2): the URL-safe alphabet only, no padding, no
whitespace, and a canonical tail (unused low bits zero), so one byte string has one encoding."""

from __future__ import annotations

import base64
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_SEXTET = {c: i for i, c in
           enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def decode(text: str) -> bytes | None:
    """The bytes `text` encodes, or None when it is not strict base64url."""
    if _ALPHABET.fullmatch(text) is None:
        return None
    tail = len(text) % 4
    if tail == 1:
        return None  # no byte count encodes to 4n+1 characters
    # A final group of 2 (3) characters carries 4 (2) bits that no byte uses: they must be 0.
    if tail == 2 and _SEXTET[text[-1]] & 0x0F:
        return None
    if tail == 3 and _SEXTET[text[-1]] & 0x03:
        return None
    return base64.urlsafe_b64decode(text + "=" * ((4 - tail) % 4))
