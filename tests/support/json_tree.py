"""Walking parsed JSON in tests."""

from __future__ import annotations

from typing import Any


def objects(value: Any) -> list[dict[str, Any]]:
    """Every JSON object in ``value``, depth first, the outermost first."""
    out: list[dict[str, Any]] = []
    if isinstance(value, dict):
        out.append(value)
        for v in value.values():
            out.extend(objects(v))
    elif isinstance(value, list):
        for v in value:
            out.extend(objects(v))
    return out
