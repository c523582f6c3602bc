"""JSON objects parsed strictly: UTF-8 only, no duplicate member names at any depth
(RFC 8725 §3.9, RFC 7519 §4: refuse rather than take the last), no NaN or Infinity, no
unpaired UTF-16 surrogate escape in any string, name or value (RFC 8259 §8.2)."""

from __future__ import annotations

import json
import re
from typing import Any


class _Refused(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Refused("duplicate member name")
    return obj


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_no_constant)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    """True if a string anywhere in `value` (names included) holds a surrogate code point. json
    decodes a paired escape ("\\ud83d\\ude00") to one astral code point, so a surrogate left in
    a str was an unpaired escape: jwtd refuses that JSON as invalid UTF-8, and such a str cannot
    be encoded later (the DPoP replay key hashes the jti's UTF-8). Iterative: as deep as the
    decoder went, without a frame per level."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def parse_object(data: bytes) -> dict[str, Any] | None:
    """The top-level JSON object in `data`, or None for anything else or anything malformed."""
    try:
        text = data.decode("utf-8")  # strict: refuses UTF-8-encoded surrogates too
        value = _DECODER.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    # A surrogate can only come from a \u escape (the UTF-8 decoder refused encoded ones): no
    # escape, nothing to walk.
    if "\\u" in text and _has_lone_surrogate(value):
        return None
    return value
