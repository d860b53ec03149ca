"""Reservations as iCalendar (RFC 5545, written by the ``icalendar`` package).

Three calendars:

- :func:`booking_calendar`: one booking, seller side (times in the location's own zone, with its
  VTIMEZONE, so a calendar app shows 18:00 in New York whatever zone it runs in);
- :func:`order_calendar`: one booking as the guest's node knows it, from the Beckn order of its
  ``on_confirm``/``on_status`` (the zone from the order's ``time_zone`` tag, else the offset given);
- :func:`resource_feed`: every booking and block of one resource, the merchant's subscription
  (``GET /calendar/{provider}/{resource}.ics?token=...``). Its token is an HMAC of the
  provider and resource under a node secret (:func:`feed_token`), not the admin token: it can
  read one resource's calendar and nothing else, and changing the admin token changes every feed
  token.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import icalendar

from duijie.domain.hours import zone
from duijie.domain.listing import Listing
from duijie.domain.provider import Location
from duijie.domain.reservation_rules import Slot
from duijie.domain.reservations import Booking, BookingState
from duijie.domain.resources import BookableResource
from duijie.services.errors import NotFound
from duijie.services.ports import Clock
from duijie.services.trade.reservation.ports import Block, ReservationUnitOfWorkFactory

PRODID = "-//duijie//reservations//EN"
FEED_PAST = timedelta(days=31)
FEED_FUTURE = timedelta(days=400)
"""A feed shows the last month and the year ahead."""

_STATUS = {
    BookingState.HELD: "TENTATIVE",
    BookingState.PENDING_APPROVAL: "TENTATIVE",
    BookingState.CONFIRMED: "CONFIRMED",
    BookingState.COMPLETED: "CONFIRMED",
    BookingState.NO_SHOW: "CONFIRMED",
    BookingState.DECLINED: "CANCELLED",
    BookingState.CANCELLED: "CANCELLED",
}
"""RFC 5545 §3.8.1.11 STATUS of a VEVENT for each booking state."""


def feed_token(secret: bytes, provider_id: str, resource_id: str) -> str:
    """The secret of one resource's calendar feed: 32 hex digits of HMAC-SHA256(secret, provider, resource)."""
    return hmac.new(secret, f"calendar-feed\0{provider_id}\0{resource_id}".encode(), hashlib.sha256).hexdigest()[:32]


def token_matches(secret: bytes, provider_id: str, resource_id: str, token: str) -> bool:
    """Constant-time check of a feed token."""
    return hmac.compare_digest(feed_token(secret, provider_id, resource_id), token)


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _address(location: Location) -> str:
    a = location.address
    return ", ".join(p for p in (location.name.both(), a.street, a.locality, a.region, a.postal_code) if p)


def _event(uid: str, slot: Slot, tz: str, summary: str, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    z = zone(tz)
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", slot.start.astimezone(z))
    event.add("dtend", slot.end.astimezone(z))
    event.add("summary", summary)
    return event


def _booking_event(booking: Booking, resource: BookableResource, location: Location, listing: Listing,
                   host: str, *, for_merchant: bool) -> icalendar.Event:
    summary = f"{resource.name.both()} · {listing.provider.name.both()}"
    if for_merchant:
        summary = f"{booking.guest.name or booking.bap_id} ({booking.party_size}) · {resource.name.both()}"
    event = _event(f"{booking.id}@{host}", booking.slot, location.time_zone, summary, booking.updated_at)
    event.add("location", _address(location))
    event.add("status", _STATUS[booking.state])
    lines = [f"Party of {booking.party_size}", f"Booking {booking.id} ({booking.state.value})"]
    if for_merchant:
        lines += [f"Guest: {v}" for v in (booking.guest.name, booking.guest.phone, booking.guest.email) if v]
    if booking.guest.requests:
        lines.append(f"Requests: {booking.guest.requests}")
    if resource.cancellation:
        lines.append(f"Cancellation: {resource.cancellation.both()}")
    event.add("description", "\n".join(lines))
    return event


def booking_calendar(booking: Booking, listing: Listing, host: str) -> bytes:
    """One booking as an .ics (the guest's copy, written by the seller); ``host`` makes the UID global."""
    resource = listing.resource(booking.resource_id)
    location = listing.location(booking.location_id)
    cal = _calendar(f"{resource.name.both()} · {listing.provider.name.both()}")
    cal.add_component(_booking_event(booking, resource, location, listing, host, for_merchant=False))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def resource_feed(listing: Listing, resource: BookableResource, bookings: Iterable[Booking],
                  blocks: Iterable[Block], host: str) -> bytes:
    """The merchant's feed of one resource: its bookings (declined and cancelled ones as CANCELLED) and
    its blocks (as busy, opaque events)."""
    location = listing.location(resource.location_id)
    cal = _calendar(f"{resource.name.both()} · {location.name.both()}")
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})  # RFC 7986
    for booking in bookings:
        cal.add_component(_booking_event(booking, resource, location, listing, host, for_merchant=True))
    for block in blocks:
        event = _event(f"{block.id}@{host}", block.slot, location.time_zone, f"Blocked: {block.reason}",
                       block.created_at)
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _tag(tags: Any, code: str) -> str | None:
    for group in tags or []:
        for entry in (group or {}).get("list") or []:
            if ((entry or {}).get("descriptor") or {}).get("code") == code and isinstance(entry.get("value"), str):
                return str(entry["value"])
    return None


def _instant(raw: Any, field: str) -> datetime:
    if not isinstance(raw, str):
        raise ValueError(f"the order has no {field}")
    at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"{field} {raw!r} carries no UTC offset")
    return at


def order_calendar(order: Mapping[str, Any], host: str, now: datetime) -> bytes:
    """One booking as an .ics from its Beckn order (the guest's node); ValueError when it names no slot.

    The slot is ``fulfillments[0].stops[0].time.range``; the zone the order's ``time_zone`` tag
    (on the stop's location, the fulfillment or the order), else the slot's own UTC offset.
    """
    fulfillment = (order.get("fulfillments") or [{}])[0] or {}
    stop = (fulfillment.get("stops") or [{}])[0] or {}
    span = (stop.get("time") or {}).get("range") or {}
    start, end = _instant(span.get("start"), "start"), _instant(span.get("end"), "end")
    location = stop.get("location") or {}
    tz = _tag(location.get("tags"), "time_zone") or _tag(fulfillment.get("tags"), "time_zone") \
        or _tag(order.get("tags"), "time_zone")
    item = (order.get("items") or [{}])[0] or {}
    provider = (order.get("provider") or {}).get("descriptor") or {}
    name = " · ".join(str(n) for n in ((item.get("descriptor") or {}).get("name"), provider.get("name")) if n)
    cal = _calendar(name or "Reservation")
    event = icalendar.Event()
    event.add("uid", f"{order.get('id') or 'booking'}@{host}")
    event.add("dtstamp", now.astimezone(UTC))
    z = zone(tz) if tz else None
    event.add("dtstart", start.astimezone(z) if z else start)
    event.add("dtend", end.astimezone(z) if z else end)
    event.add("summary", name or "Reservation")
    address = location.get("address")
    if isinstance(address, str) and address:
        event.add("location", address)
    party = ((item.get("quantity") or {}).get("selected") or {}).get("count")
    state = ((order.get("fulfillments") or [{}])[0].get("state") or {}).get("descriptor", {}).get("code")
    event.add("description", "\n".join(x for x in (
        f"Party of {party}" if party else None, f"Booking {order.get('id')}" if order.get("id") else None,
        f"State: {state or order.get('status')}" if (state or order.get("status")) else None) if x))
    cal.add_component(event)
    if z is not None:
        cal.add_missing_timezones()
    return bytes(cal.to_ical())


class CalendarFeeds:
    """The calendar use cases of a seller: a booking's .ics and each resource's subscribed feed."""

    def __init__(self, uow: ReservationUnitOfWorkFactory, clock: Clock, host: str, secret: bytes) -> None:
        self._uow = uow
        self._clock = clock
        self._host = host
        self._secret = secret

    def feed_path(self, provider_id: str, resource_id: str) -> str:
        """The feed's path with its token (the merchant hands it to a calendar app)."""
        token = feed_token(self._secret, provider_id, resource_id)
        return f"/calendar/{quote(provider_id)}/{quote(resource_id)}.ics?token={token}"

    async def feed_link(self, provider_id: str, resource_id: str) -> dict[str, str]:
        """The feed's path for a resource that exists (NotFound otherwise)."""
        await self._uow.run(self._resource, provider_id, resource_id)
        return {"provider_id": provider_id, "resource_id": resource_id,
                "path": self.feed_path(provider_id, resource_id)}

    async def feed(self, provider_id: str, resource_id: str, token: str) -> bytes:
        """The resource's feed; NotFound alike for a wrong token and an unknown resource."""
        if not token_matches(self._secret, provider_id, resource_id, token):
            raise NotFound("no such calendar (check the feed's token)", field="token")
        return await self._uow.run(self._feed, provider_id, resource_id)

    async def booking(self, booking_id: str) -> bytes:
        """One booking's .ics (seller side)."""
        return await self._uow.run(self._booking, booking_id)

    def _resource(self, provider_id: str, resource_id: str) -> tuple[Listing, BookableResource]:
        with self._uow(read_only=True) as uow:
            stored = uow.listings.get(provider_id)
        resource = next((r for r in stored.listing.resources if r.id == resource_id), None) if stored else None
        if stored is None or resource is None:
            raise NotFound(f"no resource {resource_id!r} of provider {provider_id!r}", field="resource")
        return stored.listing, resource

    def _feed(self, provider_id: str, resource_id: str) -> bytes:
        listing, resource = self._resource(provider_id, resource_id)
        now = self._clock.now()
        window = Slot(now - FEED_PAST, now + FEED_FUTURE)
        with self._uow(read_only=True) as uow:
            bookings = [s.booking for s in uow.bookings.overlapping(provider_id, resource_id, window)]
            blocks = uow.blocks.overlapping(provider_id, resource_id, window)
        return resource_feed(listing, resource, bookings, blocks, self._host)

    def _booking(self, booking_id: str) -> bytes:
        with self._uow(read_only=True) as uow:
            stored = uow.bookings.get(booking_id)
            listing = uow.listings.get(stored.booking.provider_id) if stored is not None else None
        if stored is None or listing is None:
            raise NotFound(f"no booking {booking_id!r}", field="booking_id")
        return booking_calendar(stored.booking, listing.listing, self._host)
