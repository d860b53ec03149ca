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


def _str_keys_only(value: Any) -> bool:
    """True when every mapping key below ``value`` is a string (the C encoder would coerce others)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in item:
                if type(key) is not str:
                    return False
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return True


def _fast_default(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    raise _NeedsSlowPath


class _NeedsSlowPath(Exception):
    """The value holds something the C encoder cannot take as is."""


def canonical_bytes(obj: Any) -> bytes:
    """Serialise ``obj`` to its canonical UTF-8 JSON bytes.

    >>> canonical_bytes({"b": 1, "a": "对接"}).decode()
    '{"a":"对接","b":1}'
    """
    # Fast path: large catalogs are plain dicts/lists/str/int; the C encoder handles them, with
    # Decimals converted on the way. Anything unusual takes the checked path below.
    if _str_keys_only(obj):
        try:
            text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                              default=_fast_default)
            return text.encode("utf-8")
        except (_NeedsSlowPath, ValueError, TypeError):
            pass
    plain = _normalise(obj, "$")
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")
