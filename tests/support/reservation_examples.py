"""The reservation messages of docs/RESERVATIONS.md: a booking of 钓鱼台 for 40 on Friday 2026-12-04,
18:00-21:00 in Washington DC, as requests a guest's app sends and the callbacks the mapping writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from duijie.domain.availability import free_slots
from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import Slot, cancellation_refund
from duijie.domain.reservations import Booking, Guest
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol import mapping as m
from duijie.protocol.mapping import reservations as rm

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SLOT = Slot(datetime(2026, 12, 4, 18, tzinfo=NY), datetime(2026, 12, 4, 21, tzinfo=NY))
RANGE = {"start": "2026-12-04T18:00:00-05:00", "end": "2026-12-04T21:00:00-05:00"}
GUEST = Guest("王芳", "+1-202-555-0100", "wang.fang@example.org", "a birthday cake at 20:00")


def demo_listing() -> Listing:
    text = resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8")
    return listing_from_document(json.loads(text))


def _fulfillment(**extra: Any) -> dict[str, Any]:
    stop: dict[str, Any] = {"type": "START", "location": {"id": "dc"}, "time": {"range": RANGE}}
    if "instructions" in extra:
        stop["instructions"] = extra.pop("instructions")
    return {"id": "reservation-dc", "type": "RESERVATION", "stops": [stop], **extra}


def requests() -> dict[str, dict[str, Any]]:
    """The ``message`` of each request a guest's app sends, by action."""
    item = {"id": "diaoyutai", "quantity": {"selected": {"count": 40}}}
    selected = {"provider": {"id": "chuanshan"}, "items": [item], "fulfillments": [_fulfillment()]}
    customer = {"person": {"name": GUEST.name}, "contact": {"phone": GUEST.phone, "email": GUEST.email}}
    init = {**selected, "billing": {"name": GUEST.name, "phone": GUEST.phone, "email": GUEST.email},
            "fulfillments": [_fulfillment(customer=customer, instructions={"short_desc": GUEST.requests})]}
    listing = demo_listing()
    terms = rm.draft_to_beckn(listing, listing.resource("diaoyutai"), 40, SLOT, GUEST, with_terms=True)
    confirm = {**init, **{k: terms[k] for k in ("quote", "payments", "cancellation_terms")}}
    return {
        "search": {"intent": {"descriptor": {"name": "包厢"},
                              "item": {"quantity": {"selected": {"count": 40}}},
                              "fulfillment": {"type": "RESERVATION", "stops": [{"time": {"range": RANGE}}]}}},
        "select": {"order": selected},
        "init": {"order": init},
        "confirm": {"order": confirm},
        "status": {"order_id": "R-5f0c2a9e1b7d4c36"},
        "update": {"update_target": "items", "order": {
            "id": "R-5f0c2a9e1b7d4c36", "items": [{"id": "diaoyutai", "quantity": {"selected": {"count": 45}}}]}},
        "cancel": {"order_id": "R-5f0c2a9e1b7d4c36", "cancellation_reason_id": "001",
                   "descriptor": {"short_desc": "plans changed"}},
    }


def callbacks() -> dict[str, dict[str, Any]]:
    """The ``message`` of each callback the seller sends, by action."""
    listing = demo_listing()
    room = listing.resource("diaoyutai")
    provider = m.provider_to_beckn(listing, ())
    free = free_slots(room, listing.location("dc"), SLOT.start.astimezone(NY).date(), NOW, party_size=40)
    rm.add_resources(provider, listing, [(room, free)])
    booking = Booking.request("R-5f0c2a9e1b7d4c36", listing.id, room, 40, SLOT, "diner.example",
                              "6f4b3e1c-1f5c-4b55-9c53-2f8c1e0d9a11", GUEST, NOW)
    later = NOW + timedelta(hours=1)
    cancelled = booking.cancel("diner.example", later, "plans changed")
    return {
        "on_search": {"catalog": m.catalog_to_beckn([provider], "chuanshan.example")},
        "on_select": {"order": rm.draft_to_beckn(listing, room, 40, SLOT, None, with_terms=False)},
        "on_init": {"order": rm.draft_to_beckn(listing, room, 40, SLOT, GUEST, with_terms=True)},
        "on_confirm": {"order": rm.booking_to_beckn(booking, listing, room)},
        "on_status": {"order": rm.booking_to_beckn(booking, listing, room)},
        "on_update": {"order": rm.booking_to_beckn(booking.change(45, SLOT, "diner.example", later), listing, room)},
        "on_cancel": {"order": rm.booking_to_beckn(cancelled, listing, room,
                                                   cancellation_refund(room, SLOT, later))},
    }
