"""The room reservation, guest side: what the guest asks for, as Beckn orders, and its calendar file.

``select`` names the resource as the item with ``quantity.selected.count`` = the party and a
fulfillment of type RESERVATION whose ``stops[0]`` (START) carries ``time.range``; ``init`` adds the
guest as ``billing`` and ``fulfillments[0].customer`` (special requests as the stop's
instructions); ``confirm`` repeats the terms of ``on_init``. A request with ``waitlist`` set carries
the tag ``waitlist=true`` in its order (see docs/RESERVATIONS.md). ``BuyerService.place(
RESERVATION_PURCHASE, request)`` runs it; ``status`` and ``cancel`` are the buyer's usual ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.errors import Issue, ValidationFailed
from duijie.services.trade.reservation.calendar import order_calendar

RESERVATION = "RESERVATION"
"""The Beckn fulfillment type of a reservation."""


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """A party's request for one resource of ``provider_id`` from ``start`` to ``end`` (RFC 3339)."""

    bpp_uri: str
    provider_id: str
    resource_id: str
    party: int
    start: str
    end: str
    name: str
    phone: str | None = None
    email: str | None = None
    requests: str | None = None
    location_id: str | None = None
    bpp_id: str | None = None
    waitlist: bool = False


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def booking_request(data: dict[str, Any]) -> BookingRequest:
    """A :class:`BookingRequest` from the API body, which its schema has checked.

    The party and the times are the seller's to judge (each broken rule comes back named in its
    error callback): a guest node does not guess another node's rules.
    """
    raw_guest = data.get("guest")
    guest: dict[str, Any] = raw_guest if isinstance(raw_guest, dict) else {}
    return BookingRequest(
        str(data["bpp_uri"]).strip(), str(data["provider_id"]), str(data["resource_id"]), int(data["party"]),
        str(data["start"]).strip(), str(data["end"]).strip(), str(guest.get("name", "")).strip(),
        _text(guest, "phone"), _text(guest, "email"), _text(guest, "requests"), _text(data, "location_id"),
        _text(data, "bpp_id"), bool(data.get("waitlist")),
    )


def _fulfillment(request: BookingRequest) -> dict[str, Any]:
    stop: dict[str, Any] = {"type": "START", "time": {"range": {"start": request.start, "end": request.end}}}
    if request.location_id:
        stop["location"] = {"id": request.location_id}
    return {"type": RESERVATION, "stops": [stop]}


class WaitlistJoined(Exception):
    """The seller put the guest on the slot's waitlist instead of quoting (``on_select`` said where).

    Raised by :meth:`ReservationPurchase.init_order` to end the exchange after ``select``: nothing
    is booked yet; the seller tells the guest's node by ``on_status`` when the slot frees up.
    """

    def __init__(self, entry: dict[str, str], order: dict[str, Any]) -> None:
        super().__init__(f"on the waitlist ({entry.get('state')}, place {entry.get('position')})")
        self.entry = entry
        self.order = order


def waitlist_entry(order: dict[str, Any]) -> dict[str, str] | None:
    """The ``waitlist`` tag group of an order as a dict (id, state, position, hold_until), if any."""
    for group in order.get("tags") or []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == "waitlist":
            return {str((t.get("descriptor") or {}).get("code")): str(t.get("value"))
                    for t in group.get("list") or [] if isinstance(t, dict)}
    return None


class ReservationPurchase:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a room reservation."""

    def select_order(self, request: BookingRequest) -> dict[str, Any]:
        order: dict[str, Any] = {
            "provider": {"id": request.provider_id},
            "items": [{"id": request.resource_id, "quantity": {"selected": {"count": request.party}}}],
            "fulfillments": [_fulfillment(request)],
        }
        if request.waitlist:
            order["tags"] = [{"descriptor": {"code": "waitlist"},
                              "list": [{"descriptor": {"code": "waitlist"}, "value": "true"}]}]
        return order

    def init_order(self, request: BookingRequest, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        entry = waitlist_entry(quoted)
        if entry is not None:
            raise WaitlistJoined(entry, quoted)
        contact = {k: v for k, v in (("phone", request.phone), ("email", request.email)) if v}
        fulfillment = _fulfillment(request)
        quoted_id = ((quoted.get("fulfillments") or [{}])[0] or {}).get("id")
        if quoted_id:
            fulfillment["id"] = quoted_id
        fulfillment["customer"] = {"person": {"name": request.name}, **({"contact": contact} if contact else {})}
        if request.requests:
            fulfillment["stops"][0]["instructions"] = {"short_desc": request.requests}
        billing = {"name": request.name, **contact}
        return {**{k: v for k, v in selected.items() if k != "tags"}, "fulfillments": [fulfillment],
                "billing": billing}

    def confirm_order(self, request: BookingRequest, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        extra = {k: terms[k] for k in ("quote", "payments", "cancellation_terms") if terms.get(k)}
        return {**draft, **extra}


RESERVATION_PURCHASE = ReservationPurchase()


def booking_ics(purchase: dict[str, Any], host: str, now: datetime) -> bytes:
    """The .ics of a booking made from this node (from the seller's latest order); ServiceError-free:
    a purchase without a slot raises ValidationFailed naming it."""
    order = purchase.get("order") or {}
    try:
        return order_calendar(order, host, now)
    except ValueError as exc:
        raise ValidationFailed([Issue("$.order.fulfillments[0].stops[0].time.range", str(exc))]) from exc


def held_confirm_order(purchase: dict[str, Any]) -> dict[str, Any]:
    """The ``confirm`` order that takes a slot held for this node: the held booking's own terms.

    ValidationFailed when the seller does not hold the booking for this node (any more).
    """
    order = purchase.get("order") or {}
    if purchase.get("fulfillment_state") != "HELD":
        raise ValidationFailed([Issue("$.order_id", f"booking {purchase.get('order_id')} is "
                                                    f"{purchase.get('fulfillment_state')}, not held for you")])
    keep = ("provider", "items", "fulfillments", "billing", "quote", "payments", "cancellation_terms")
    return {k: order[k] for k in keep if order.get(k)}
