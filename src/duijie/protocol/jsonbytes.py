"""JSON bytes through orjson: the one place that knows orjson's differences from the stdlib.

orjson writes compact UTF-8 (no ASCII escaping) at a fraction of the stdlib encoder's CPU, which
matters on the message path. Where it differs from ``json.dumps`` this module restores the
stdlib's strictness: NaN and infinity are refused (orjson would write ``null``), and datetimes
and dataclasses are not given orjson's own encodings but passed to ``default`` (or refused when
there is none), as the stdlib did.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import orjson

__all__ = ["all_finite", "dumps", "loads"]

_PLAIN_ONLY = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

loads: Callable[[bytes | bytearray | memoryview | str], Any] = orjson.loads
"""Parse JSON text (bytes must be UTF-8); raises ``ValueError`` (``orjson.JSONDecodeError``)."""


def dumps(obj: Any, *, sort_keys: bool = False, default: Callable[[Any], Any] | None = None) -> bytes:
    """Compact UTF-8 JSON of ``obj``; key order kept unless ``sort_keys``.

    Raises ``ValueError`` for NaN or infinity and ``TypeError`` for a value neither JSON nor
    handled by ``default`` (including non-string keys and integers beyond 64 bits).
    """
    option = _PLAIN_ONLY | orjson.OPT_SORT_KEYS if sort_keys else _PLAIN_ONLY
    out = orjson.dumps(obj, default=default, option=option)
    # orjson writes NaN and infinity as null: output without "null" has none, and the walk (which
    # costs more than the encoding) is needed only when the text holds one.
    if b"null" in out and not all_finite(obj):
        raise ValueError("NaN and infinity cannot be written as JSON")
    return out


def all_finite(doc: object) -> bool:
    """No float in ``doc`` (walked without recursion) is NaN or infinite."""
    stack: list[Any] = [doc]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            continue
        if kind is dict or isinstance(value, Mapping):
            stack.extend(value.values())
        elif kind is list or kind is tuple:
            stack.extend(value)
        elif kind is float and not math.isfinite(value):
            return False
    return True
