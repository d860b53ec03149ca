"""Room reservations in the catalog: each bookable resource as an item, and a search intent's party and time.

Part of the reservation wire mapping (see :mod:`duijie.protocol.mapping.reservations` and
docs/RESERVATIONS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.reservation_rules import Slot
from duijie.domain.resources import BookableResource
from duijie.protocol.context import format_timestamp
from duijie.protocol.mapping.catalog import _get, _tag_group, descriptor, price

RESERVATION = "RESERVATION"
START = "START"


def fulfillment_id(location_id: str) -> str:
    """The catalog's RESERVATION fulfillment at a location."""
    return f"reservation-{location_id}"


@dataclass(frozen=True, slots=True)
class SearchAsk:
    """What a search intent says about a booking: a party size and/or a time range (each optional)."""

    party_size: int | None = None
    slot: Slot | None = None


def search_ask(intent: Any) -> SearchAsk:
    """The party size (``item.quantity.selected.count``) and time range (``fulfillment.stops[0].time.range``)
    a search intent names; what is absent or malformed is left out (a search is answered as best it can)."""
    count = _get(intent, "item", "quantity", "selected", "count")
    party = count if isinstance(count, int) and not isinstance(count, bool) else None
    window = _get(intent, "fulfillment", "stops", 0, "time", "range")
    slot = None
    if isinstance(window, dict):
        start, end = _moment(window.get("start")), _moment(window.get("end"))
        slot = Slot(start, end) if start is not None and end is not None and end > start else None
    return SearchAsk(party, slot)


def _moment(raw: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None



def _minutes(span: timedelta) -> str:
    return str(int(span.total_seconds() // 60))


def cancellation_terms(resource: BookableResource, slot: Slot | None = None) -> list[dict[str, Any]]:
    """Free cancellation (deposit refunded) until ``free_cancel_hours`` before the start; after that the
    deposit is kept. With a slot, the deadline is an instant; in the catalog, a duration before the start."""
    cutoff: dict[str, Any] = {"duration": f"PT{resource.free_cancel_hours}H"}
    if slot is not None:
        cutoff = {"timestamp": format_timestamp(slot.start - timedelta(hours=resource.free_cancel_hours))}
    free: dict[str, Any] = {"reason_required": False, "cancel_by": cutoff, "cancellation_fee": {"percentage": "0"}}
    if resource.deposit is None:
        return [free]
    late = {"reason_required": False, "cancellation_fee": {"amount": price(resource.deposit)}}
    return [free, late]


def deposit_of(resource: BookableResource) -> Money:
    """The resource's deposit (a resource without one is quoted at 0 USD)."""
    return resource.deposit or Money.parse("0", "USD")


def resource_item(resource: BookableResource, free: list[Slot] | None = None) -> dict[str, Any]:
    """A resource as a catalog item (with today's or the asked day's free slots, when given)."""
    facts = {"kind": resource.kind.value, "slot_minutes": str(resource.slot_minutes),
             "lead_time_minutes": _minutes(resource.lead_time), "buffer_minutes": str(resource.buffer_minutes),
             "approval": resource.approval.value, "free_cancel_hours": str(resource.free_cancel_hours)}
    desc = {"short_desc": resource.description.both()} if resource.description else {}
    if resource.cancellation:
        desc["long_desc"] = resource.cancellation.both()
    item: dict[str, Any] = {
        "id": resource.id,
        "descriptor": descriptor(resource.name, code="ROOM", **desc),
        "price": price(deposit_of(resource)),
        "quantity": {"minimum": {"count": resource.min_party}, "maximum": {"count": resource.capacity}},
        "category_ids": ["reservations"],
        "location_ids": [resource.location_id],
        "fulfillment_ids": [fulfillment_id(resource.location_id)],
        "cancellation_terms": cancellation_terms(resource),
        "tags": [_tag_group("reservation", facts)],
    }
    if free is not None:
        item["tags"].append({"descriptor": {"code": "free_slots"}, "list": [
            {"descriptor": {"code": "slot"}, "value": f"{format_timestamp(s.start)}/{format_timestamp(s.end)}"}
            for s in free]})
    return item


def add_resources(provider: dict[str, Any], listing: Listing,
                  resources: list[tuple[BookableResource, list[Slot] | None]]) -> None:
    """Put ``resources`` into a mapped provider: their items, the reservations category, the fulfillments."""
    provider.setdefault("items", []).extend(resource_item(r, free) for r, free in resources)
    categories = provider.setdefault("categories", [])
    if not any(c.get("id") == "reservations" for c in categories):
        categories.append({"id": "reservations", "descriptor": {"name": "订座 / Reservations", "code": "reservations"}})
    fulfillments = provider.setdefault("fulfillments", [])
    known = {f.get("id") for f in fulfillments}
    for loc_id in dict.fromkeys(r.location_id for r, _ in resources):
        if fulfillment_id(loc_id) in known:
            continue
        loc = listing.provider.location(loc_id)
        f: dict[str, Any] = {"id": fulfillment_id(loc_id), "type": RESERVATION,
                             "stops": [{"type": START, "location": {"id": loc_id}}]}
        if loc is not None and loc.phones:
            f["contact"] = {"phone": loc.phones[0]}
        fulfillments.append(f)
