"""The waitlist of a taken slot: first come, first offered; an offer holds the slot for a while.

A guest whose slot is taken joins its waitlist (over Beckn: a ``select`` of the same slot carrying
the tag ``waitlist=true``, see docs/RESERVATIONS.md). When the slot frees up (a cancellation, a
decline, a hold that ran out, a block removed), the first WAITING guest whose whole slot is now
free is OFFERED it: a HELD booking is made for that guest's transaction, persisted with its
deadline (``hold_for``, 30 minutes by default), and the guest's node is told by an unsolicited
``on_status``. The guest takes it by confirming that transaction; otherwise, when the hold runs
out, the booking is released, the guest is told, and the next one in line is offered the slot.
Everything here runs inside the caller's unit of work, so an offer and its message commit together.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from duijie.domain.errors import DomainError
from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import ReservationError, ReservationRule, RuleViolation, Slot, violations
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.protocol.context import Action, Context
from duijie.services.ports import Clock
from duijie.services.trade.order_callbacks import SellerNode, queue_callback
from duijie.services.trade.reservation.free_slots import busy_during
from duijie.services.trade.reservation.ports import (
    ReservationUnitOfWork,
    ReservationUnitOfWorkFactory,
    WaitlistEntry,
    WaitState,
)

log = logging.getLogger("duijie.waitlist")

HOLD_FOR = timedelta(minutes=30)
"""How long an offered slot is held for the waiting guest before it passes to the next."""

OrderOf = Callable[[Booking, Listing], dict[str, Any]]
"""Writes a booking as the Beckn ``order`` of an ``on_status`` (the reservation kind's mapping)."""

_TAKEN = frozenset({ReservationRule.SLOT_TAKEN, ReservationRule.RESOURCE_BLOCKED})
"""What a waiting guest waits out; any other broken rule means the slot can no longer be had."""


def waitlist_tag(entry: WaitlistEntry, position: int | None = None) -> dict[str, Any]:
    """The Beckn tag group ``waitlist`` telling a guest where its entry stands."""
    values = {"id": entry.id, "state": entry.state.value}
    if position is not None:
        values["position"] = str(position)
    if entry.offered_until is not None:
        values["hold_until"] = entry.offered_until.isoformat()
    return {"descriptor": {"code": "waitlist"},
            "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items()]}


class Waitlist:
    """The waitlist use cases, each inside the caller's unit of work (the caller commits)."""

    def __init__(self, node: SellerNode, order_of: OrderOf, hold_for: timedelta = HOLD_FOR) -> None:
        self._node = node
        self._order_of = order_of
        self.hold_for = hold_for

    def join(self, uow: ReservationUnitOfWork, listing: Listing, resource_id: str, party_size: int, slot: Slot,
             guest: Guest, context: dict[str, Any], now: datetime) -> tuple[WaitlistEntry, int]:
        """Put the guest of ``context`` (its bap_id, bap_uri, transaction) on the slot's waitlist.

        Only a slot that is taken (or blocked) can be waited for; every other rule must pass, as
        for a booking. Joining twice for one slot returns the first entry. Returns the entry and
        its place in line (1 = next).
        """
        resource = listing.resource(resource_id)
        location = listing.location(resource.location_id)
        broken = violations(resource, location, party_size, slot, now,
                            busy_during(uow, listing.id, resource.id, slot))
        other = [v for v in broken if v.rule not in _TAKEN]
        if other:
            raise ReservationError(other[0])
        if not broken:
            raise ReservationError(RuleViolation(
                ReservationRule.ILLEGAL_TRANSITION,
                f"{resource.id} is free from {slot.start.isoformat()} to {slot.end.isoformat()}: book it instead "
                f"of joining its waitlist"))
        bap_id = str(context["bap_id"])
        line = uow.waitlist.for_slot(listing.id, resource.id, slot)
        for place, entry in enumerate(line, start=1):
            if entry.bap_id == bap_id and entry.slot == slot:
                return entry, place
        # The id sorts by arrival: the line is ordered by created_at, then id, and two guests can
        # join within one clock tick.
        entry_id = f"wl-{time.time_ns():016x}-{uuid.uuid4().hex[:6]}"
        entry = WaitlistEntry(entry_id, listing.id, resource.id, slot, party_size, bap_id, str(context["bap_uri"]),
                              guest, WaitState.WAITING, now, now, context=dict(context))
        uow.waitlist.add(entry)
        return entry, len(line) + 1

    def slot_freed(self, uow: ReservationUnitOfWork, listing: Listing, resource_id: str, freed: Slot,
                   now: datetime) -> list[WaitlistEntry]:
        """Offer what ``freed`` made bookable to the waiting guests, first come first; returns the offers."""
        try:
            resource = listing.resource(resource_id)
            location = listing.location(resource.location_id)
        except DomainError:  # a resource gone from the listing has nobody left to offer to
            return []
        near = Slot(freed.start - resource.slot_length - resource.buffer, freed.end + resource.buffer)
        offered: list[WaitlistEntry] = []
        for entry in uow.waitlist.for_slot(listing.id, resource.id, near):
            broken = violations(resource, location, entry.party_size, entry.slot, now,
                                busy_during(uow, listing.id, resource.id, entry.slot))
            if any(v.rule not in _TAKEN for v in broken):
                uow.waitlist.save(replace(entry, state=WaitState.EXPIRED, updated_at=now))
                continue
            if broken:
                continue  # still taken by someone else: keep waiting
            made = self._offer(uow, listing, entry, resource.buffer_minutes, now)
            if made is not None:
                offered.append(made)
        return offered

    def _offer(self, uow: ReservationUnitOfWork, listing: Listing, entry: WaitlistEntry, buffer: int,
               now: datetime) -> WaitlistEntry | None:
        until = now + self.hold_for
        resource = listing.resource(entry.resource_id)
        held = Booking.hold(f"bk-{uuid.uuid4().hex[:16]}", listing.id, resource, entry.party_size, entry.slot,
                            entry.bap_id, str(entry.context.get("transaction_id") or entry.id), entry.guest, now,
                            until)
        try:
            added = uow.bookings.add(held, entry.bap_uri, entry.context, buffer)
        except ReservationError:
            return None  # claimed meanwhile by another transaction: this guest keeps waiting
        if not added:
            # The guest's transaction already holds a booking here: an offer cannot ride on it.
            uow.waitlist.save(replace(entry, state=WaitState.EXPIRED, updated_at=now))
            return None
        entry = replace(entry, state=WaitState.OFFERED, offered_until=until, booking_id=held.id, updated_at=now)
        uow.waitlist.save(entry)
        self._tell(uow, entry, held, listing, now)
        log.info("waitlist %s offered %s until %s", entry.id, held.id, until.isoformat())
        return entry

    def _tell(self, uow: ReservationUnitOfWork, entry: WaitlistEntry, booking: Booking, listing: Listing,
              now: datetime) -> None:
        order = self._order_of(booking, listing)
        order = {**order, "tags": [*(order.get("tags") or []), waitlist_tag(entry)]}
        queue_callback(uow, Context.from_dict(entry.context), self._node, now, action=Action.ON_STATUS,
                       message={"order": order}, message_id=str(uuid.uuid4()))

    def expire(self, uow: ReservationUnitOfWork, now: datetime) -> int:
        """End every offer whose hold ran out: a still-HELD booking is released (the guest told) and the
        slot offered to the next in line; a taken one marks its entry BOOKED. Returns how many ended."""
        ended = 0
        for entry in uow.waitlist.offered_before(now):
            listing_row = uow.listings.get(entry.provider_id)
            stored = uow.bookings.get(entry.booking_id) if entry.booking_id else None
            booking = stored.booking if stored is not None else None
            if booking is not None and booking.state is not BookingState.HELD:
                gone = booking.state in (BookingState.CANCELLED, BookingState.DECLINED)
                state = WaitState.LEFT if gone else WaitState.BOOKED
                uow.waitlist.save(replace(entry, state=state, updated_at=now))
                ended += 1
                continue
            entry = replace(entry, state=WaitState.EXPIRED, updated_at=now)
            uow.waitlist.save(entry)
            ended += 1
            if booking is None or listing_row is None:
                continue
            released = booking.release(now)
            uow.bookings.save(released)
            self._tell(uow, entry, released, listing_row.listing, now)
            self.slot_freed(uow, listing_row.listing, entry.resource_id, entry.slot, now)
        return ended

    def position(self, uow: ReservationUnitOfWork, entry: WaitlistEntry) -> int | None:
        """The entry's place in line (1 = next), or None when it no longer waits."""
        for place, e in enumerate(uow.waitlist.for_slot(entry.provider_id, entry.resource_id, entry.slot), 1):
            if e.id == entry.id:
                return place
        return None


class WaitlistKeeper:
    """The background loop that ends offers whose hold ran out (every ``interval`` seconds)."""

    def __init__(self, uow: ReservationUnitOfWorkFactory, clock: Clock, waitlist: Waitlist) -> None:
        self._uow = uow
        self._clock = clock
        self._waitlist = waitlist

    def run_once(self) -> int:
        """One pass in one unit of work; returns how many offers ended."""
        with self._uow() as uow:
            ended = self._waitlist.expire(uow, self._clock.now())
            if ended:
                uow.commit()
        return ended

    async def run_forever(self, interval: float = 15.0) -> None:
        while True:
            try:
                await self._uow.run(self.run_once)
            except Exception:  # noqa: BLE001 - one failed pass must not end the loop
                log.exception("waitlist pass failed")
            await asyncio.sleep(interval)
