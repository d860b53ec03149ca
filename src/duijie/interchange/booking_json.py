"""The plain JSON form of a booking and of a waitlist guest: what storage keeps and the merchant sees.

The Beckn wire shape is ``protocol.mapping.reservations``'s; this is the node's own data form.
Times are RFC 3339 in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from duijie.domain.money import Money
from duijie.domain.reservation_rules import Slot
from duijie.domain.reservations import Booking, BookingState, Guest, HistoryEntry


def _time(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _read_time(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s is not None else None


def slot_doc(slot: Slot) -> dict[str, str]:
    """``{"start": ..., "end": ...}`` in UTC."""
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat()}


def read_slot(d: dict[str, str]) -> Slot:
    return Slot(datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"]))


def guest_doc(g: Guest) -> dict[str, str | None]:
    return {"name": g.name, "phone": g.phone, "email": g.email, "requests": g.requests}


def read_guest(d: dict[str, Any]) -> Guest:
    return Guest(d.get("name"), d.get("phone"), d.get("email"), d.get("requests"))


def booking_document(b: Booking) -> dict[str, Any]:
    """The booking as plain data (shown by the merchant's day view and kept by storage)."""
    return {
        "id": b.id,
        "provider_id": b.provider_id,
        "resource_id": b.resource_id,
        "location_id": b.location_id,
        "party_size": b.party_size,
        "slot": slot_doc(b.slot),
        "bap_id": b.bap_id,
        "transaction_id": b.transaction_id,
        "state": b.state.value,
        "guest": guest_doc(b.guest),
        "deposit": {"amount": b.deposit.to_wire(), "currency": b.deposit.currency} if b.deposit else None,
        "history": [{"state": h.state.value, "at": h.at.isoformat(), "by": h.by} for h in b.history],
        "created_at": b.created_at.isoformat(),
        "updated_at": b.updated_at.isoformat(),
        "hold_until": _time(b.hold_until),
        "reason": b.reason,
    }


def booking_from_document(d: dict[str, Any]) -> Booking:
    deposit = d.get("deposit")
    return Booking(
        d["id"], d["provider_id"], d["resource_id"], d["location_id"], d["party_size"], read_slot(d["slot"]),
        d["bap_id"], d["transaction_id"], BookingState(d["state"]), read_guest(d.get("guest") or {}),
        Money.parse(deposit["amount"], deposit["currency"]) if deposit else None,
        tuple(HistoryEntry(BookingState(h["state"]), datetime.fromisoformat(h["at"]), h["by"]) for h in d["history"]),
        datetime.fromisoformat(d["created_at"]), datetime.fromisoformat(d["updated_at"]),
        _read_time(d.get("hold_until")), d.get("reason"),
    )


def booking_to_json(b: Booking, context: dict[str, Any]) -> str:
    """The stored text: the booking and the Beckn context of its confirm."""
    return orjson.dumps({"booking": booking_document(b), "context": context}).decode()


def booking_from_json(text: str | bytes) -> tuple[Booking, dict[str, Any]]:
    doc = orjson.loads(text)
    return booking_from_document(doc["booking"]), doc.get("context") or {}
