"""A tolerant reader of JSON documents that records every structural problem with its path.

The interchange formats report *all* errors at once, so readers never raise on the first
bad field: they record an ``Issue`` and return a placeholder (None), and the caller raises
``ValidationFailed`` at the end if anything was recorded.

A part already reported stays reported once: a problem *under* a reported path (the fields of
an element that is not even an object) is not recorded again, and :func:`under_reported` lets
the caller drop rule issues about a part whose value was a placeholder.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from duijie.domain.errors import DomainError, Issue
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.money import Money
from duijie.domain.text import LocalText

T = TypeVar("T")


class Reader:
    """Collects issues while typed values are pulled out of a decoded JSON tree."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self._paths: set[str] = set()

    def fail(self, path: str, reason: Reason) -> None:
        """Record one problem, with its code (unless a part holding ``path`` was already reported)."""
        if any(a in self._paths for a in ancestors(path)):
            return
        self.issues.append(Issue(path, reason))
        self._paths.add(path)

    def reported(self, path: str) -> bool:
        """True when ``path`` or a part holding it was reported."""
        return path in self._paths or any(a in self._paths for a in ancestors(path))

    def fields(self, value: Any, path: str) -> dict[str, Any]:
        """``value`` as an object; when it is not one, the problem is recorded and an empty object
        returned, so the caller still builds its element (with placeholders) and later rules see
        every element at its own index."""
        return self.obj(value, path) or {}

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        """``value`` as an object, or None (recorded) when it is not one."""
        if not isinstance(value, dict):
            self.fail(path, Reason(P.WRONG_TYPE, expected="an object", got=_kind(value)))
            return None
        return value

    def unknown_keys(self, value: dict[str, Any], allowed: set[str], path: str) -> None:
        """Record keys the format does not define (typos would otherwise be silently lost)."""
        for key in sorted(set(value) - allowed):
            self.fail(f"{path}.{key}", Reason(P.UNKNOWN_FIELD))

    def get(self, parent: dict[str, Any], key: str, path: str, kind: type[T], *, required: bool = True,
            ) -> T | None:
        """``parent[key]`` checked against ``kind`` (bool is not an int here)."""
        if key not in parent or parent[key] is None:
            if required:
                self.fail(f"{path}.{key}", Reason(P.MISSING_FIELD))
            return None
        value = parent[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)  # type: ignore[return-value]
        if not ok:
            self.fail(f"{path}.{key}", Reason(P.WRONG_TYPE, expected=_name(kind), got=_kind(value)))
            return None
        return value  # type: ignore[no-any-return]

    def text(self, parent: dict[str, Any], key: str, path: str, *, required: bool = True) -> LocalText | None:
        """A ``{"zh": ..., "en": ...}`` object as LocalText."""
        raw = self.get(parent, key, path, dict, required=required)
        if raw is None:
            return None
        here = f"{path}.{key}"
        self.unknown_keys(raw, {"zh", "en"}, here)
        zh = self.get(raw, "zh", here, str, required=False)
        en = self.get(raw, "en", here, str, required=False)
        text = LocalText(zh, en)
        if text.is_empty:
            self.fail(here, Reason(P.TEXT_MISSING))
        return text

    def money(self, parent: dict[str, Any], key: str, path: str, *, required: bool = True) -> Money | None:
        """A ``{"amount": "12.50", "currency": "USD"}`` object as Money."""
        raw = self.get(parent, key, path, dict, required=required)
        if raw is None:
            return None
        here = f"{path}.{key}"
        self.unknown_keys(raw, {"amount", "currency"}, here)
        amount = self.get(raw, "amount", here, str)
        currency = self.get(raw, "currency", here, str)
        if amount is None or currency is None:
            return None
        try:
            return Money.parse(amount, currency)
        except DomainError as exc:
            self.fail(here, exc.message if isinstance(exc.message, Reason) else Reason(P.NOT_AN_AMOUNT, amount=amount))
            return None

    def items(self, parent: dict[str, Any], key: str, path: str, each: Callable[[Any, str], T | None],
              *, required: bool = True) -> tuple[T, ...]:
        """A list whose elements are read by ``each(value, path)``; failed elements are dropped."""
        raw = self.get(parent, key, path, list, required=required)
        out: list[T] = []
        for i, element in enumerate(raw or []):
            got = each(element, f"{path}.{key}[{i}]")
            if got is not None:
                out.append(got)
        return tuple(out)

    def strings(self, parent: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        """An optional list of strings."""
        def one(v: Any, p: str) -> str | None:
            if not isinstance(v, str):
                self.fail(p, Reason(P.WRONG_TYPE, expected="a string", got=_kind(v)))
                return None
            return v
        return self.items(parent, key, path, one, required=False)

    def enum(self, parent: dict[str, Any], key: str, path: str, enum: Callable[[Any], T],
             *, required: bool = True) -> T | None:
        """A string value that must be one of an Enum's values."""
        raw = self.get(parent, key, path, str, required=required)
        if raw is None:
            return None
        try:
            return enum(raw)
        except ValueError:
            self.fail(f"{path}.{key}", Reason(P.UNKNOWN_VALUE, value=raw))
            return None


def ancestors(path: str) -> list[str]:
    """The paths holding ``path``: ``$.a[2].b`` → ``$``, ``$.a``, ``$.a[2]``."""
    return [path[:i] for i, ch in enumerate(path) if ch in ".[" and i > 0]


def _name(kind: type[Any]) -> str:
    return {dict: "an object", list: "an array", str: "a string", int: "an integer",
            float: "a number", bool: "a boolean", Decimal: "a decimal"}.get(kind, kind.__name__)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _name(type(value))
