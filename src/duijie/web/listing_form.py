"""Reading an editor's form into part of a listing document, and putting problems back on fields.

A form of the listing editor becomes one part of the ``duijie.listing/1`` document (an item, a
room, a job, a location's hours...), which the catalog service checks whole, exactly as an import.
:class:`Draft` records, while the part is read, which form field each document path came from,
so every problem the check reports (a JSON path and a reason) is shown next to its own field.
A value the form cannot even read (``abc`` as a price) gets its own message, and a stand-in value
is written to the document so that the check still reports every other problem in the same pass;
such a draft is never saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.errors import Issue
from duijie.web.listing_issues import Gettext, say

FormValues = Mapping[str, str]
"""A submitted form as text by field name (what the templates show back)."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_AMOUNT = re.compile(r"-?\d{1,12}(\.\d{1,4})?")  # a negative one is the check's to refuse


@dataclass
class Draft:
    """A document part read from a form: the part, its fields' own problems, and path → field."""

    _: Gettext
    values: FormValues
    errors: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> None:
        """Record a problem of field ``name`` (the first one of a field is kept)."""
        self.errors.setdefault(name, message)

    def at(self, path: str, name: str) -> None:
        """Problems at document ``path`` (relative to the part, e.g. ``.price``) belong to ``name``."""
        self.fields.setdefault(path, name)

    def raw(self, name: str) -> str:
        """The field's text, stripped ("" when absent)."""
        return (self.values.get(name) or "").strip()

    def text(self, path: str, name: str, *, required: bool = False) -> dict[str, str] | None:
        """``NAME_zh``/``NAME_en`` as bilingual text; None when both are empty and it is optional."""
        zh, en = self.raw(f"{name}_zh"), self.raw(f"{name}_en")
        self.at(path, f"{name}_zh")
        if not zh and not en:
            if required:
                self.fail(f"{name}_zh", self._("give a Chinese or an English name"))
                return {"zh": "?"}  # stand-in, so the rest is still checked
            return None
        return {k: v for k, v in (("zh", zh), ("en", en)) if v}

    def whole(self, path: str, name: str, *, default: int | None = None, lo: int = 0) -> int | None:
        """A whole number field; empty gives ``default``."""
        self.at(path, name)
        raw = self.raw(name)
        if raw == "":
            return default
        if not re.fullmatch(r"-?\d{1,9}", raw):
            self.fail(name, self._("“%(value)s” is not a whole number") % {"value": raw})
            return default if default is not None else lo
        value = int(raw)
        if value < lo:
            self.fail(name, self._("must be at least %(lo)s") % {"lo": lo})
        return value

    def amount(self, path: str, name: str, currency: str, *, required: bool) -> dict[str, str] | None:
        """A money field in the listing's ``currency`` (which no form changes)."""
        self.at(path, name)
        raw = self.raw(name).replace(",", "")
        if raw == "":
            if required:
                self.fail(name, self._("give a price such as 12.50"))
                return {"amount": "0", "currency": currency}
            return None
        if not _AMOUNT.fullmatch(raw):
            self.fail(name, self._("“%(value)s” is not an amount such as 12.50") % {"value": raw})
            return {"amount": "0", "currency": currency}
        try:
            Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern already guards this
            self.fail(name, self._("“%(value)s” is not an amount such as 12.50") % {"value": raw})
            raw = "0"
        return {"amount": raw, "currency": currency}

    def ident(self, name: str, taken: set[str], *, suggest: str, required: bool = False) -> str:
        """An id: as typed (letters, digits, ``-``, ``_``), or made from ``suggest`` when left empty."""
        raw = self.raw(name)
        if raw:
            if not _ID.fullmatch(raw):
                self.fail(name, self._("use letters, digits, - and _ only (at most 64)"))
            elif raw in taken:
                self.fail(name, self._("“%(value)s” is already used") % {"value": raw})
            return raw
        if required:
            self.fail(name, self._("give an id"))
        return free_id(suggest, taken)

    def place(self, issues: list[Issue], prefix: str) -> list[str]:
        """Put each issue under ``prefix`` on its field; return the rest, said for the page's top."""
        rest: list[str] = []
        for issue in issues:
            name = self._field_of(issue.path, prefix)
            if name is None:
                rest.append(say(issue.reason, self._))
            else:
                self.fail(name, say(issue.reason, self._))
        return rest

    def _field_of(self, path: str, prefix: str) -> str | None:
        if not path.startswith(prefix):
            return None
        rel = path[len(prefix):]
        best: str | None = None
        for key in self.fields:
            if (rel == key or rel.startswith(key + ".") or rel.startswith(key + "[")) and (
                    best is None or len(key) > len(best)):
                best = key
        return self.fields[best] if best is not None else None


def free_id(suggest: str, taken: set[str]) -> str:
    """An id made of ``suggest``'s letters and digits that is not in ``taken``."""
    base = re.sub(r"[^a-z0-9]+", "-", suggest.lower()).strip("-")[:40] or "new"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def compact(part: dict[str, Any]) -> dict[str, Any]:
    """Leave out optional fields that are None or empty (the format writes no empty value)."""
    return {k: v for k, v in part.items() if v is not None and v != [] and v != ""}


def text_values(name: str, text: Mapping[str, str] | None) -> dict[str, str]:
    """Form values ``NAME_zh``/``NAME_en`` of a document's bilingual text."""
    return {f"{name}_zh": (text or {}).get("zh", ""), f"{name}_en": (text or {}).get("en", "")}


def listing_currency(document: Mapping[str, Any]) -> str | None:
    """The one currency the listing is priced in: its menu's, else a room deposit's; None if neither."""
    for item in document["catalog"]["items"]:
        return str(item["price"]["currency"])
    for room in document["resources"]:
        if "deposit" in room:
            return str(room["deposit"]["currency"])
    return None
