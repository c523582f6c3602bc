"""JSON objects parsed strictly: UTF-8 only, no duplicate member names at any depth
(RFC 8725 §3.9, RFC 7519 §4: refuse rather than take the last), no NaN or Infinity."""

from __future__ import annotations

import json
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


def parse_object(data: bytes) -> dict[str, Any] | None:
    """The top-level JSON object in `data`, or None for anything else or anything malformed."""
    try:
        value = _DECODER.decode(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
