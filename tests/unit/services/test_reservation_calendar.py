"""Reservations as iCalendar: the slot in the location's zone (DST included), guest and merchant views, feed tokens."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import icalendar
import pytest

from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.mapping.reservations import booking_to_beckn
from duijie.services.trade.reservation.calendar import (
    booking_calendar,
    feed_token,
    order_calendar,
    resource_feed,
    token_matches,
)
from duijie.services.trade.reservation.ports import Block

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 10, 20, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def chuanshan() -> Listing:
    text = resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8")
    return listing_from_document(json.loads(text))


def _booking(listing: Listing, start: datetime, end: datetime) -> Booking:
    return Booking.request("R-1", listing.id, listing.resource("diaoyutai"), 40, Slot(start, end), "diner.example",
                           "tx-1", Guest("王芳", "+1-202-555-0100", requests="a birthday cake"), NOW)


def _event(ics: bytes) -> icalendar.Event:
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return event


def test_a_booking_on_the_night_dst_ends_keeps_its_new_york_wall_clock(chuanshan: Listing) -> None:
    # 1 November 2026: New York falls back at 02:00; a Sunday 18:00-21:00 booking is EST (-05:00).
    booking = _booking(chuanshan, datetime(2026, 11, 1, 18, tzinfo=NY), datetime(2026, 11, 1, 21, tzinfo=NY))
    ics = booking_calendar(booking, chuanshan, "shop.example")
    event = _event(ics)
    assert event.decoded("dtstart") == datetime(2026, 11, 1, 18, tzinfo=NY)
    assert event.decoded("dtstart").utcoffset() == timedelta(hours=-5)
    assert str(event["dtstart"].params["TZID"]) == "America/New_York"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=3)
    assert str(event["uid"]) == "R-1@shop.example" and str(event["status"]) == "CONFIRMED"
    assert b"BEGIN:VTIMEZONE" in ics and "2700 New York Ave" in str(event["location"])
    assert "王芳" not in str(event["summary"])  # the guest's copy is titled by the room, not the guest


def test_the_guest_node_writes_the_same_slot_from_the_beckn_order(chuanshan: Listing) -> None:
    booking = _booking(chuanshan, datetime(2026, 12, 4, 18, tzinfo=NY), datetime(2026, 12, 4, 21, tzinfo=NY))
    order = booking_to_beckn(booking, chuanshan, chuanshan.resource("diaoyutai"))
    event = _event(order_calendar(order, "diner.example", NOW))
    assert event.decoded("dtstart").astimezone(NY) == datetime(2026, 12, 4, 18, tzinfo=NY)
    assert event.decoded("dtend").astimezone(NY) == datetime(2026, 12, 4, 21, tzinfo=NY)
    assert "Party of 40" in str(event["description"]) and str(event["uid"]) == "R-1@diner.example"
    with pytest.raises(ValueError, match="start"):
        order_calendar({"id": "x", "fulfillments": [{"stops": [{}]}]}, "diner.example", NOW)


def test_the_merchant_feed_lists_bookings_by_guest_and_blocks_as_busy(chuanshan: Listing) -> None:
    room = chuanshan.resource("diaoyutai")
    live = _booking(chuanshan, datetime(2026, 12, 4, 18, tzinfo=NY), datetime(2026, 12, 4, 21, tzinfo=NY))
    gone = live.cancel("diner.example", NOW)
    block = Block("blk-1", chuanshan.id, room.id, Slot(datetime(2026, 12, 5, 11, tzinfo=NY),
                                                       datetime(2026, 12, 5, 23, tzinfo=NY)), "private event", NOW)
    cal = icalendar.Calendar.from_ical(resource_feed(chuanshan, room, [live, gone], [block], "shop.example"))
    events = cal.walk("VEVENT")
    assert [str(e["status"]) for e in events[:2]] == ["CONFIRMED", "CANCELLED"]
    assert "王芳 (40)" in str(events[0]["summary"]) and "+1-202-555-0100" in str(events[0]["description"])
    assert str(events[2]["summary"]) == "Blocked: private event" and str(events[2]["transp"]) == "OPAQUE"
    assert gone.state is BookingState.CANCELLED


def test_a_feed_token_opens_one_resource_only() -> None:
    token = feed_token(b"secret", "chuanshan", "ktv")
    assert len(token) == 32 and token_matches(b"secret", "chuanshan", "ktv", token)
    assert not token_matches(b"secret", "chuanshan", "diaoyutai", token)
    assert not token_matches(b"other", "chuanshan", "ktv", token)
