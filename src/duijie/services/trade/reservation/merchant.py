"""The merchant's side of reservations: the inbox, the day view, blocks, and the booking's next steps.

A resource listed with ``approval: manual`` leaves each request PENDING_APPROVAL in this inbox
until the merchant accepts or declines it; ``instant`` ones arrive CONFIRMED. Every change the
merchant makes commits the new state and an unsolicited ``on_status`` to the guest's node (new
message_id, the booking's transaction) in one unit of work. A decline frees the slot, which goes
to the first guest on its waitlist (:mod:`duijie.services.trade.reservation.waitlist`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from duijie.domain.availability import day_bounds
from duijie.domain.hours import zone
from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import ReservationError, Slot
from duijie.domain.reservations import OCCUPYING, Booking, BookingState
from duijie.domain.resources import ApprovalMode
from duijie.interchange.booking_json import booking_document
from duijie.protocol.context import Action, Context
from duijie.protocol.mapping.reservations import booking_to_beckn
from duijie.services.errors import Conflict, NotFound, ServiceError
from duijie.services.ports import Clock
from duijie.services.trade.order_callbacks import SellerNode, queue_callback
from duijie.services.trade.reservation.calendar import CalendarFeeds
from duijie.services.trade.reservation.free_slots import Availability, local_slot, parse_day, resource_view
from duijie.services.trade.reservation.ports import (
    Block,
    ReservationUnitOfWork,
    ReservationUnitOfWorkFactory,
    StoredBooking,
)
from duijie.services.trade.reservation.waitlist import OrderOf, Waitlist, WaitlistKeeper

MAX_BLOCK = timedelta(days=366)
"""The longest single block (a renovation); longer ones are split by the merchant."""

Step = Callable[[Booking, datetime], Booking]


def with_approval(listing: Listing, resource_id: str, mode: str) -> Listing:
    """The listing with ``resource_id`` confirming requests ``instant`` ly or after ``manual`` approval.

    Requests already made keep their state; the new mode applies to the next ones.
    """
    try:
        approval = ApprovalMode(mode.strip().lower())
    except ValueError:
        raise ServiceError(f"approval must be instant or manual, not {mode[:40]!r}", field="approval") from None
    if not any(r.id == resource_id for r in listing.resources):
        raise NotFound(f"no resource {resource_id!r} in {listing.id}", field="resource_id")
    resources = tuple(replace(r, approval=approval) if r.id == resource_id else r for r in listing.resources)
    return replace(listing, resources=resources)


def parse_booking_state(raw: str | None) -> BookingState | None:
    """A :class:`BookingState` from user input (any case); ServiceError naming the field otherwise."""
    if raw is None or raw == "":
        return None
    try:
        return BookingState(raw.strip().upper())
    except ValueError:
        choices = ", ".join(s.value for s in BookingState)
        raise ServiceError(f"state must be one of {choices}, not {raw[:40]!r}", field="state") from None


def booking_view(booking: Booking, listing: Listing | None) -> dict[str, Any]:
    """What the merchant (API and CLI) sees of a booking: its document, plus the slot in local time."""
    doc = booking_document(booking)
    if listing is not None:
        location = listing.provider.location(booking.location_id)
        if location is not None:
            doc["local"] = {**local_slot(booking.slot, location.time_zone), "time_zone": location.time_zone}
    return doc


def block_view(block: Block, time_zone: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": block.id, "provider_id": block.provider_id, "resource_id": block.resource_id,
                           "start": block.slot.start.isoformat(), "end": block.slot.end.isoformat(),
                           "reason": block.reason, "created_at": block.created_at.isoformat()}
    if time_zone is not None:
        out["local"] = local_slot(block.slot, time_zone)
    return out


class BookingDesk:
    """Use cases of the merchant's reservations; database work runs through ``uow.run``."""

    def __init__(self, uow: ReservationUnitOfWorkFactory, clock: Clock, node: SellerNode, order_of: OrderOf,
                 waitlist: Waitlist | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._node = node
        self._order_of = order_of
        self.waitlist = waitlist or Waitlist(node, order_of)

    # ---- reading --------------------------------------------------------------------------------

    async def list_bookings(self, state: str | None = None, provider_id: str | None = None) -> list[dict[str, Any]]:
        """Bookings, newest first; only one state's or one provider's when given."""
        return await self._uow.run(self._list, parse_booking_state(state), provider_id)

    async def get(self, booking_id: str) -> dict[str, Any]:
        return await self._uow.run(self._get, booking_id)

    async def day(self, provider_id: str, day: str | None, resource_id: str | None = None) -> dict[str, Any]:
        """The day view: per location and resource, the bookings (every state) and blocks of ``day``."""
        return await self._uow.run(self._day, provider_id, day, resource_id)

    def _list(self, state: BookingState | None, provider_id: str | None) -> list[dict[str, Any]]:
        with self._uow(read_only=True) as uow:
            found = uow.bookings.list(provider_id, state)
            listings = {pid: _listing(uow, pid) for pid in {s.booking.provider_id for s in found}}
        return [booking_view(s.booking, listings[s.booking.provider_id]) for s in found]

    def _get(self, booking_id: str) -> dict[str, Any]:
        with self._uow(read_only=True) as uow:
            stored = _stored(uow, booking_id)
            return booking_view(stored.booking, _listing(uow, stored.booking.provider_id))

    def _day(self, provider_id: str, raw_day: str | None, resource_id: str | None) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            listing = _listing(uow, provider_id)
            if listing is None:
                raise NotFound(f"no provider {provider_id!r} on this node", field="provider_id")
            resources = [r for r in listing.resources if resource_id is None or r.id == resource_id]
            if resource_id is not None and not resources:
                raise NotFound(f"no resource {resource_id!r} in {provider_id}", field="resource")
            first = listing.provider.locations[0].time_zone if listing.provider.locations else "UTC"
            day: date = parse_day(raw_day, now.astimezone(zone(first)).date())
            locations: dict[str, dict[str, Any]] = {}
            for r in resources:
                location = listing.location(r.location_id)
                bounds = day_bounds(location, day)
                bookings = uow.bookings.overlapping(provider_id, r.id, bounds)
                blocks = uow.blocks.overlapping(provider_id, r.id, bounds)
                entry = locations.setdefault(location.id, {"id": location.id, "time_zone": location.time_zone,
                                                           "resources": []})
                entry["resources"].append({
                    **resource_view(r),
                    "bookings": [booking_view(s.booking, listing) for s in bookings],
                    "blocks": [block_view(b, location.time_zone) for b in blocks],
                })
        return {"provider_id": provider_id, "date": day.isoformat(), "locations": list(locations.values())}

    # ---- the booking's next steps ---------------------------------------------------------------

    async def accept(self, booking_id: str) -> dict[str, Any]:
        """Confirm a request that waits for approval (the guest is told)."""
        return await self._uow.run(self._step, booking_id, lambda b, now: b.accept(now))

    async def decline(self, booking_id: str, reason: str | None) -> dict[str, Any]:
        """Refuse a request that waits for approval (the guest is told why; the waitlist gets the slot)."""
        return await self._uow.run(self._step, booking_id, lambda b, now: b.decline(reason or "", now))

    async def no_show(self, booking_id: str) -> dict[str, Any]:
        """The party did not come (from the slot's start on)."""
        return await self._uow.run(self._step, booking_id, lambda b, now: b.no_show(now))

    async def complete(self, booking_id: str) -> dict[str, Any]:
        """The party came (from the slot's start on)."""
        return await self._uow.run(self._step, booking_id, lambda b, now: b.complete(now))

    def _step(self, booking_id: str, step: Step) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow() as uow:
            stored = _stored(uow, booking_id)
            listing = _listing(uow, stored.booking.provider_id)
            try:
                changed = step(stored.booking, now)
            except ReservationError as exc:
                raise Conflict(exc.violation.message, field="state") from exc
            buffer = _buffer(listing, changed)
            uow.bookings.save(changed, buffer)
            if listing is not None:
                queue_callback(uow, Context.from_dict(stored.context), self._node, now, action=Action.ON_STATUS,
                               message={"order": self._order_of(changed, listing)}, message_id=str(uuid.uuid4()))
                if not changed.state.occupies:
                    self.waitlist.slot_freed(uow, listing, changed.resource_id, changed.slot, now)
            uow.commit()
        return booking_view(changed, listing)

    # ---- blocks ---------------------------------------------------------------------------------

    async def block(self, provider_id: str, resource_id: str, start: datetime, end: datetime,
                    reason: str | None) -> dict[str, Any]:
        """Take a resource out of booking for [start, end) (a private event, maintenance).

        Refused (naming them) while an active booking overlaps: the merchant declines or moves
        those first, so no guest loses a confirmed room without being told.
        """
        return await self._uow.run(self._block, provider_id, resource_id, start, end, (reason or "").strip())

    async def unblock(self, block_id: str) -> dict[str, Any]:
        """Remove a block; the period is bookable again."""
        return await self._uow.run(self._unblock, block_id)

    def _block(self, provider_id: str, resource_id: str, start: datetime, end: datetime, reason: str) -> dict[str, Any]:
        if end <= start:
            raise ServiceError(f"end {end.isoformat()} is not after start {start.isoformat()}", field="end")
        if end - start > MAX_BLOCK:
            raise ServiceError(f"a block lasts at most {MAX_BLOCK.days} days", field="end")
        now = self._clock.now()
        slot = Slot(start, end)
        with self._uow() as uow:
            listing = _listing(uow, provider_id)
            if listing is None:
                raise NotFound(f"no provider {provider_id!r} on this node", field="provider_id")
            resource = next((r for r in listing.resources if r.id == resource_id), None)
            if resource is None:
                raise NotFound(f"no resource {resource_id!r} in {provider_id}", field="resource")
            active = uow.bookings.overlapping(provider_id, resource_id, slot, OCCUPYING)
            if active:
                ids = ", ".join(f"{s.booking.id} ({s.booking.state.value})" for s in active[:5])
                raise Conflict(f"{resource_id} has active bookings in that period: {ids}; decline or move them "
                               f"first", field="start")
            block = Block(f"blk-{uuid.uuid4().hex[:12]}", provider_id, resource_id, slot,
                          reason or "blocked by the merchant", now)
            uow.blocks.add(block)
            uow.commit()
        return block_view(block, listing.location(resource.location_id).time_zone)

    def _unblock(self, block_id: str) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow() as uow:
            block = uow.blocks.get(block_id)
            if block is None or not uow.blocks.remove(block_id):
                raise NotFound(f"no block {block_id!r}", field="block_id")
            listing = _listing(uow, block.provider_id)
            if listing is not None:
                self.waitlist.slot_freed(uow, listing, block.resource_id, block.slot, now)
            uow.commit()
        return block_view(block)


def _stored(uow: ReservationUnitOfWork, booking_id: str) -> StoredBooking:
    stored = uow.bookings.get(booking_id)
    if stored is None:
        raise NotFound(f"no booking {booking_id!r}", field="booking_id")
    return stored


def _listing(uow: ReservationUnitOfWork, provider_id: str) -> Listing | None:
    stored = uow.listings.get(provider_id)
    return stored.listing if stored is not None else None


def _buffer(listing: Listing | None, booking: Booking) -> int:
    if listing is None:
        return 0
    return next((r.buffer_minutes for r in listing.resources if r.id == booking.resource_id), 0)


@dataclass(frozen=True, slots=True)
class ReservationServices:
    """The reservation use cases the entry points call (wired by ``bootstrap.wire_seller``)."""

    desk: BookingDesk
    availability: Availability
    calendars: CalendarFeeds
    keeper: WaitlistKeeper

    @classmethod
    def build(cls, uow: ReservationUnitOfWorkFactory, clock: Clock, node: SellerNode, order_of: OrderOf,
              calendar_secret: bytes) -> ReservationServices:
        """Everything over one unit-of-work factory; the waitlist is shared by the desk and its keeper."""
        waitlist = Waitlist(node, order_of)
        return cls(BookingDesk(uow, clock, node, order_of, waitlist), Availability(uow, clock),
                   CalendarFeeds(uow, clock, node.subscriber_id, calendar_secret),
                   WaitlistKeeper(uow, clock, waitlist))


def beckn_order_of(booking: Booking, listing: Listing) -> dict[str, Any]:
    """The reservation kind's Beckn order of a booking (what every unsolicited ``on_status`` carries)."""
    return booking_to_beckn(booking, listing, listing.resource(booking.resource_id))
