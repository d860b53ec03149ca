"""Writers for the small shared shapes of the listing format (text, money, contacts)."""

from __future__ import annotations

from typing import Any

from duijie.domain.money import Money
from duijie.domain.provider import Contact, ContactKind
from duijie.domain.text import LocalText
from duijie.interchange.reader import Reader


def text_out(text: LocalText | None) -> dict[str, str] | None:
    """LocalText as ``{"zh": ..., "en": ...}``, absent languages omitted; None stays None."""
    if text is None:
        return None
    # Spelled out rather than a comprehension: a 10,000-item menu writes 50,000 of these.
    zh, en = text.zh, text.en
    if zh is None:
        return {} if en is None else {"en": en}
    return {"zh": zh} if en is None else {"zh": zh, "en": en}


def money_out(money: Money | None) -> dict[str, str] | None:
    """Money as ``{"amount": "12.50", "currency": "USD"}``: a decimal string, never a float."""
    if money is None:
        return None
    return {"amount": money.to_wire(), "currency": money.currency}


def compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop optional fields that are None or empty lists: the format omits them (one form only)."""
    return {k: v for k, v in fields.items() if v is not None and v != []}


def contact_out(c: Contact) -> dict[str, Any]:
    """A contact object."""
    return compact({"kind": c.kind.value, "value": c.value, "label": text_out(c.label)})


def contact_in(r: Reader, raw: Any, path: str) -> Contact | None:
    """Read a contact object, recording problems in ``r``."""
    obj = r.obj(raw, path)
    if obj is None:
        return None
    r.unknown_keys(obj, {"kind", "value", "label"}, path)
    kind = r.enum(obj, "kind", path, ContactKind)
    value = r.get(obj, "value", path, str)
    label = r.text(obj, "label", path, required=False)
    if kind is None or value is None:
        return None
    return Contact(kind, value, label)
