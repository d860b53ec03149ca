"""Canonical JSON bytes for receipts and node records.

The canonical form is: keys sorted, no insignificant whitespace (separators ``,`` and ``:``),
non-ASCII characters written as UTF-8 (never ``\\uXXXX`` escapes), and :class:`~decimal.Decimal`
written as a JSON *string* holding its exact decimal text (money never passes through a float).

This is never used for HTTP bodies: a request is hashed as the exact bytes on the wire.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from duijie.protocol import jsonbytes

__all__ = ["CanonicalError", "canonical_bytes"]


class CanonicalError(ValueError):
    """Raised when a value has no canonical JSON form (NaN, infinity, unsupported type)."""


def _normalise(value: Any, path: str) -> Any:
    """Return a structure of plain JSON types, converting Decimals and rejecting bad numbers."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CanonicalError(f"{path}: {value!r} has no JSON form")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CanonicalError(f"{path}: {value!r} has no JSON form")
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: object key {key!r} is not a string")
            out[key] = _normalise(item, f"{path}.{key}")
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [_normalise(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise CanonicalError(f"{path}: {type(value).__name__} is not JSON-serialisable")


_FAST_SCALARS = frozenset({str, int, bool, type(None)})


def _fast_path_safe(value: Any) -> bool:
    """True when orjson writes ``value`` exactly as the checked path would.

    That holds for plain dicts with string keys, lists, tuples, strings, integers, booleans,
    None and finite Decimals. Floats are left to the stdlib encoder, whose float text is the
    canonical one; anything else (subclasses included) takes the checked path.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind in _FAST_SCALARS:
            continue
        if kind is dict:
            for key in item:
                if type(key) is not str:
                    return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is not Decimal or not item.is_finite():
            return False
    return True


def canonical_bytes(obj: Any) -> bytes:
    """Serialise ``obj`` to its canonical UTF-8 JSON bytes.

    >>> canonical_bytes({"b": 1, "a": "对接"}).decode()
    '{"a":"对接","b":1}'
    """
    # Fast path: receipts and large catalogs are plain dicts/lists/str/int, which orjson writes
    # identically at a fraction of the CPU. Anything unusual takes the checked path below.
    if _fast_path_safe(obj):
        try:
            return jsonbytes.dumps(obj, sort_keys=True, default=str)
        except TypeError:  # e.g. an integer beyond 64 bits
            pass
    plain = _normalise(obj, "$")
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")
