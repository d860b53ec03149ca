"""Room reservations on the Beckn 1.1.1 wire (see docs/RESERVATIONS.md for one message per step).

Catalog: each bookable resource is an item (its id, ``location_ids``, party size limits as
``quantity.minimum/maximum.count``, the deposit as its price, slot length, lead time, buffer and
approval as the ``reservation`` tag group, ``cancellation_terms``) referring to the fulfillment
``reservation-<location>`` of type ``RESERVATION``. Orders: ``items[0]`` with
``quantity.selected.count`` = party size, and a ``RESERVATION`` fulfillment whose ``stops[0]``
(type ``START``) carries ``time.range.start``/``end``; the guest in ``billing`` and
``fulfillments[0].customer``, special requests in ``stops[0].instructions.short_desc``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.reservation_rules import ReservationRule, Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.domain.resources import BookableResource
from duijie.protocol.context import format_timestamp
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping.catalog import _get, _tag_group, descriptor, location_to_beckn, price
from duijie.protocol.mapping.codes import QUOTE_TTL, MappingError
from duijie.protocol.mapping.reservation_catalog import (
    RESERVATION,
    START,
    SearchAsk,
    add_resources,
    cancellation_terms,
    deposit_of,
    fulfillment_id,
    resource_item,
    search_ask,
)

__all__ = [
    "RESERVATION", "RULE_CODES", "START", "BookingAsk", "SearchAsk", "add_resources", "ask_from_order",
    "booking_to_beckn", "cancellation_terms", "draft_to_beckn", "fulfillment_id", "guest_from_order", "has_slot",
    "quote", "reservation_stop", "resource_item", "rule_error", "search_ask", "slot_from_order",
]

RULE_CODES: dict[ReservationRule, BecknErrorCode] = {
    ReservationRule.PARTY_SIZE_INVALID: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    ReservationRule.PARTY_ABOVE_CAPACITY: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    ReservationRule.PARTY_BELOW_MINIMUM: BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
    ReservationRule.MALFORMED_TIME: BecknErrorCode.INVALID_REQUEST,
    ReservationRule.END_BEFORE_START: BecknErrorCode.INVALID_REQUEST,
    ReservationRule.IN_THE_PAST: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.LEAD_TIME: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.SLOT_LENGTH: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.CLOSED_AT_START: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.AFTER_CLOSING: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.OUTSIDE_BOOKING_WINDOW: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.SLOT_TAKEN: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.RESOURCE_BLOCKED: BecknErrorCode.FULFILLMENT_UNAVAILABLE,
    ReservationRule.RESOURCE_NOT_FOUND: BecknErrorCode.ITEM_NOT_FOUND,
    ReservationRule.BOOKING_NOT_FOUND: BecknErrorCode.ORDER_NOT_FOUND,
    ReservationRule.NOT_THE_GUEST: BecknErrorCode.ORDER_NOT_FOUND,
    ReservationRule.ILLEGAL_TRANSITION: BecknErrorCode.ACTION_NOT_APPLICABLE,
}
_QUANTITY_PATH = "message.order.items[0].quantity.selected.count"
_TIME_PATH = "message.order.fulfillments[0].stops[0].time.range"
RULE_PATHS: dict[ReservationRule, str] = {
    ReservationRule.PARTY_SIZE_INVALID: _QUANTITY_PATH,
    ReservationRule.PARTY_ABOVE_CAPACITY: _QUANTITY_PATH,
    ReservationRule.PARTY_BELOW_MINIMUM: _QUANTITY_PATH,
    ReservationRule.RESOURCE_NOT_FOUND: "message.order.items[0].id",
    **{rule: _TIME_PATH for rule in (
        ReservationRule.MALFORMED_TIME, ReservationRule.END_BEFORE_START, ReservationRule.IN_THE_PAST,
        ReservationRule.LEAD_TIME, ReservationRule.SLOT_LENGTH, ReservationRule.CLOSED_AT_START,
        ReservationRule.AFTER_CLOSING, ReservationRule.OUTSIDE_BOOKING_WINDOW, ReservationRule.SLOT_TAKEN,
        ReservationRule.RESOURCE_BLOCKED)},
}

_STATUS = {
    BookingState.HELD: "ACTIVE", BookingState.PENDING_APPROVAL: "ACTIVE", BookingState.CONFIRMED: "ACTIVE",
    BookingState.COMPLETED: "COMPLETE", BookingState.NO_SHOW: "COMPLETE",
    BookingState.DECLINED: "CANCELLED", BookingState.CANCELLED: "CANCELLED",
}


def rule_error(rule: ReservationRule, message: str) -> MappingError:
    """The error callback of a broken reservation rule: its BECKN-005 code, the rule named in the message."""
    return MappingError(RULE_CODES[rule], f"{message} (rule: {rule.value})", RULE_PATHS.get(rule))


# ---- inbound ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookingAsk:
    """What a select/init/confirm/update asks for: which resource, how many guests, when."""

    resource_id: str
    party_size: int
    slot: Slot


def _time(raw: Any, which: str) -> datetime:
    if not isinstance(raw, str):
        raise rule_error(ReservationRule.MALFORMED_TIME, f"time.range.{which} is missing")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise rule_error(ReservationRule.MALFORMED_TIME,
                         f"time.range.{which} {raw!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise rule_error(ReservationRule.MALFORMED_TIME, f"time.range.{which} {raw!r} has no UTC offset")
    return moment


def reservation_stop(order: dict[str, Any]) -> dict[str, Any] | None:
    """``stops[0]`` of the order's RESERVATION fulfillment (or of its first one), if any."""
    fulfillments = order.get("fulfillments")
    if not isinstance(fulfillments, list):
        return None
    chosen = next((f for f in fulfillments if isinstance(f, dict) and str(f.get("type", "")).upper() == RESERVATION),
                  next((f for f in fulfillments if isinstance(f, dict)), None))
    stop = _get(chosen, "stops", 0)
    return stop if isinstance(stop, dict) else None


def ask_from_order(order: dict[str, Any]) -> BookingAsk:
    """The resource (``items[0].id``), party size (``quantity.selected.count``) and slot (``stops[0].time.range``)."""
    item_id = _get(order, "items", 0, "id")
    if not isinstance(item_id, str):
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "name the room as items[0].id", "message.order.items")
    count = _get(order, "items", 0, "quantity", "selected", "count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise rule_error(ReservationRule.PARTY_SIZE_INVALID, "give the party size as items[0].quantity.selected.count")
    return BookingAsk(item_id, count, slot_from_order(order))


def has_slot(order: dict[str, Any]) -> bool:
    """Whether the order's reservation stop names a time range at all (an update may not)."""
    return isinstance(_get(reservation_stop(order), "time", "range"), dict)


def slot_from_order(order: dict[str, Any]) -> Slot:
    """The slot in the RESERVATION fulfillment's ``stops[0].time.range`` (MALFORMED_TIME otherwise)."""
    window = _get(reservation_stop(order), "time", "range")
    if not isinstance(window, dict):
        raise rule_error(ReservationRule.MALFORMED_TIME,
                         "give the slot as fulfillments[0].stops[0].time.range.start/end (type RESERVATION)")
    return Slot(_time(window.get("start"), "start"), _time(window.get("end"), "end"))


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def guest_from_order(order: dict[str, Any]) -> Guest:
    """The guest from ``billing`` and ``fulfillments[0].customer`` (person, contact); requests from the stop."""
    raw = order.get("billing")
    billing: dict[str, Any] = raw if isinstance(raw, dict) else {}
    customer = _get(order, "fulfillments", 0, "customer")
    stop = reservation_stop(order)
    requests = _get(stop, "instructions", "short_desc") or _get(stop, "instructions", "name")
    return Guest(
        _text(_get(customer, "person", "name")) or _text(billing.get("name")),
        _text(_get(customer, "contact", "phone")) or _text(billing.get("phone")),
        _text(_get(customer, "contact", "email")) or _text(billing.get("email")),
        _text(requests),
    )


# ---- outbound -----------------------------------------------------------------------------------


def quote(resource: BookableResource, party_size: int) -> dict[str, Any]:
    """The quote: the deposit (the only charge the listing names) for the party."""
    deposit = deposit_of(resource)
    row = {"item": {"id": resource.id, "quantity": {"selected": {"count": party_size}}},
           "title": "订金 / Deposit", "price": price(deposit)}
    quote_id = uuid.uuid5(uuid.NAMESPACE_URL, f"duijie:reservation-quote:{resource.id}:{party_size}:{deposit}")
    return {"id": str(quote_id), "price": price(deposit), "breakup": [row], "ttl": QUOTE_TTL}


def _fulfillment(listing: Listing, resource: BookableResource, slot: Slot, guest: Guest | None,
                 state: BookingState | None, updated_at: datetime | None) -> dict[str, Any]:
    loc = listing.provider.location(resource.location_id)
    stop: dict[str, Any] = {
        "type": START,
        "location": location_to_beckn(loc) if loc else {"id": resource.location_id},
        "time": {"range": {"start": format_timestamp(slot.start), "end": format_timestamp(slot.end)}},
    }
    if guest is not None and guest.requests:
        stop["instructions"] = {"short_desc": guest.requests}
    out: dict[str, Any] = {"id": fulfillment_id(resource.location_id), "type": RESERVATION, "stops": [stop]}
    if guest is not None and (guest.name or guest.phone or guest.email):
        customer: dict[str, Any] = {}
        if guest.name:
            customer["person"] = {"name": guest.name}
        contact = {k: v for k, v in (("phone", guest.phone), ("email", guest.email)) if v}
        if contact:
            customer["contact"] = contact
        out["customer"] = customer
    if state is not None:
        out["state"] = {"descriptor": {"code": state.value}}
        if updated_at is not None:
            out["state"]["updated_at"] = format_timestamp(updated_at)
    return out


def _billing(guest: Guest) -> dict[str, str]:
    return {k: v for k, v in (("name", guest.name), ("phone", guest.phone), ("email", guest.email)) if v}


def draft_to_beckn(listing: Listing, resource: BookableResource, party_size: int, slot: Slot,
                   guest: Guest | None, *, with_terms: bool) -> dict[str, Any]:
    """The order of ``on_select`` (quote) or ``on_init`` (``with_terms``: billing, payments, cancellation terms)."""
    out: dict[str, Any] = {
        "provider": {"id": listing.id, "descriptor": descriptor(listing.provider.name)},
        "items": [{"id": resource.id, "descriptor": descriptor(resource.name),
                   "quantity": {"selected": {"count": party_size}},
                   "fulfillment_ids": [fulfillment_id(resource.location_id)]}],
        "fulfillments": [_fulfillment(listing, resource, slot, guest, None, None)],
        "quote": quote(resource, party_size),
    }
    if with_terms:
        if guest is not None and _billing(guest):
            out["billing"] = _billing(guest)
        deposit = deposit_of(resource)
        out["payments"] = [{"id": "deposit", "type": "PRE-ORDER", "status": "NOT-PAID", "collected_by": "BPP",
                            "params": {"amount": deposit.to_wire(), "currency": deposit.currency}}]
        out["cancellation_terms"] = cancellation_terms(resource, slot)
    return out


def booking_to_beckn(booking: Booking, listing: Listing, resource: BookableResource,
                     refund: Money | None = None) -> dict[str, Any]:
    """The Beckn Order of a booking: the slot, state, guest, quote, payments and the cancellation terms."""
    out = draft_to_beckn(listing, resource, booking.party_size, booking.slot, booking.guest, with_terms=True)
    out["fulfillments"] = [_fulfillment(listing, resource, booking.slot, booking.guest, booking.state,
                                        booking.updated_at)]
    out = {"id": booking.id, "status": _STATUS[booking.state], "type": "DEFAULT", **out}
    if booking.state in (BookingState.CANCELLED, BookingState.DECLINED):
        out["cancellation"] = {
            "time": format_timestamp(booking.updated_at),
            "cancelled_by": "CONSUMER" if booking.state is BookingState.CANCELLED else "PROVIDER",
            "reason": {"id": booking.state.value.lower(),
                       "descriptor": {"name": booking.reason or booking.state.value.lower()}},
        }
    if refund is not None:
        out["tags"] = [_tag_group("refund", {"amount": refund.to_wire(), "currency": refund.currency})]
    out["created_at"] = format_timestamp(booking.created_at)
    out["updated_at"] = format_timestamp(booking.updated_at)
    return out
