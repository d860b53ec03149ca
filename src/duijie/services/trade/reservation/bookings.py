"""The room reservation, seller side: the use cases behind select, init, confirm and after.

Domain values in (what is asked: a resource, a party size, a slot; the guest), domain results
out (the resource that fits, a :class:`Booking`); reading requests and writing callbacks is
:mod:`duijie.services.trade.reservation.kind`'s job. Every request is checked against every rule
of :mod:`duijie.domain.reservation_rules` with the bookings and blocks the database holds, and the
database's slot claims settle any race the check could not see.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from duijie.domain.errors import DomainError
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.reservation_rules import (
    Busy,
    BusyKind,
    ReservationError,
    ReservationRule,
    RuleViolation,
    Slot,
    cancellation_refund,
    check_booking,
)
from duijie.domain.reservations import OCCUPYING, Booking, BookingState, Guest
from duijie.domain.resources import BookableResource
from duijie.services.trade.listings import listing_of
from duijie.services.trade.reservation.ports import ReservationUnitOfWork, StoredBooking

Released = Callable[[ReservationUnitOfWork, Booking, datetime], None]
"""``(uow, booking, now)``: told, inside the same unit of work, that a booking freed its slot."""


@dataclass(frozen=True, slots=True)
class Ask:
    """What a guest asks for: ``party_size`` guests in ``resource_id`` during ``slot``."""

    resource_id: str
    party_size: int
    slot: Slot


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks, in which Beckn transaction, and where callbacks go."""

    bap_id: str
    transaction_id: str
    bap_uri: str = ""


def new_booking_id() -> str:
    """A fresh booking id: ``R-`` and 16 hex digits."""
    return f"R-{uuid.uuid4().hex[:16]}"


def _refuse(rule: ReservationRule, message: str) -> ReservationError:
    return ReservationError(RuleViolation(rule, message))


def resource_of(listing: Listing, resource_id: str) -> BookableResource:
    """The bookable resource ``resource_id`` of ``listing``; RESOURCE_NOT_FOUND otherwise."""
    try:
        return listing.resource(resource_id)
    except DomainError:
        raise _refuse(ReservationRule.RESOURCE_NOT_FOUND, f"no bookable room {resource_id!r} in {listing.id}") from None


def busy(uow: ReservationUnitOfWork, provider_id: str, resource: BookableResource, period: Slot) -> list[Busy]:
    """Occupying bookings and blocks of ``resource`` near ``period`` (widened by its buffer)."""
    wide = Slot(period.start - resource.buffer, period.end + resource.buffer)
    taken = [Busy(s.booking.slot, BusyKind.BOOKING, s.booking.id)
             for s in uow.bookings.overlapping(provider_id, resource.id, wide, OCCUPYING)]
    taken += [Busy(b.slot, BusyKind.BLOCK, b.reason) for b in uow.blocks.overlapping(provider_id, resource.id, wide)]
    return taken


class Bookings:
    """Quotes, bookings, cancellations and changes of a provider's rooms.

    ``released`` hooks run (in the same unit of work) whenever a booking frees its slot, e.g. the
    waitlist offering it to the first guest waiting.
    """

    def __init__(self, new_id: Callable[[], str] = new_booking_id) -> None:
        self._new_id = new_id
        self.released: list[Released] = []

    def check(self, uow: ReservationUnitOfWork, listing: Listing, ask: Ask, now: datetime,
              ignore: str | None = None) -> BookableResource:
        """The resource, once ``ask`` passed every rule (``ReservationError`` naming the first it broke)."""
        resource = resource_of(listing, ask.resource_id)
        location = listing.location(resource.location_id)
        taken = busy(uow, listing.id, resource, ask.slot) if ask.slot.end > ask.slot.start else []
        check_booking(resource, location, ask.party_size, ask.slot, now, taken, ignore)
        return resource

    def book(self, uow: ReservationUnitOfWork, listing: Listing, ask: Ask, guest: Guest, who: Requester,
             now: datetime, context: dict[str, Any]) -> Booking:
        """confirm: the transaction's booking, new (CONFIRMED or PENDING_APPROVAL) or the one a retry made.

        The slot is claimed in this unit of work; a racing booking that claimed it first makes
        this one fail with SLOT_TAKEN.
        """
        existing = uow.bookings.for_transaction(who.bap_id, who.transaction_id)
        if existing is not None and existing.booking.state is BookingState.HELD:
            return self.take_hold(uow, listing, existing.booking, who.bap_id, now)
        if existing is not None:
            return existing.booking
        resource = self.check(uow, listing, ask, now)
        booking = Booking.request(self._new_id(), listing.id, resource, ask.party_size, ask.slot, who.bap_id,
                                  who.transaction_id, guest, now)
        if not uow.bookings.add(booking, who.bap_uri, context, resource.buffer_minutes):
            raced = uow.bookings.for_transaction(who.bap_id, who.transaction_id)
            assert raced is not None
            return raced.booking
        return booking

    @staticmethod
    def take_hold(uow: ReservationUnitOfWork, listing: Listing, held: Booking, bap_id: str, now: datetime) -> Booking:
        """The guest confirms the slot held for it (a waitlist offer) before the hold ran out."""
        resource = resource_of(listing, held.resource_id)
        taken = held.confirm_hold(resource, now, bap_id)
        uow.bookings.save(taken, resource.buffer_minutes)
        return taken

    @staticmethod
    def own(uow: ReservationUnitOfWork, bap_id: str, booking_id: str | None) -> StoredBooking:
        """The booking ``booking_id`` if ``bap_id`` is its guest (NOT_THE_GUEST / BOOKING_NOT_FOUND otherwise)."""
        stored = uow.bookings.get(booking_id) if booking_id is not None else None
        if stored is None:
            raise _refuse(ReservationRule.BOOKING_NOT_FOUND, f"no booking {booking_id!r}")
        stored.booking.ensure_guest(bap_id, "see or change")
        return stored

    def release(self, uow: ReservationUnitOfWork, booking: Booking, now: datetime) -> None:
        """Tell the ``released`` hooks that ``booking`` freed its slot."""
        for hook in self.released:
            hook(uow, booking, now)

    def cancel(self, uow: ReservationUnitOfWork, bap_id: str, booking_id: str | None, reason: str | None,
               now: datetime) -> tuple[Booking, Listing, Money | None]:
        """The guest cancels; the refund follows the resource's cancellation terms (None: no deposit)."""
        stored = self.own(uow, bap_id, booking_id)
        listing = listing_of(uow, stored.booking.provider_id)
        resource = resource_of(listing, stored.booking.resource_id)
        cancelled = stored.booking.cancel(bap_id, now, reason)
        uow.bookings.save(cancelled, resource.buffer_minutes)
        self.release(uow, cancelled, now)
        return cancelled, listing, cancellation_refund(resource, cancelled.slot, now)

    def change(self, uow: ReservationUnitOfWork, bap_id: str, booking_id: str | None, party_size: int | None,
               slot: Slot | None, now: datetime) -> tuple[Booking, Listing]:
        """The guest changes the party size and/or the time, re-checked like a new booking."""
        stored = self.own(uow, bap_id, booking_id)
        booking = stored.booking
        listing = listing_of(uow, booking.provider_id)
        ask = Ask(booking.resource_id, booking.party_size if party_size is None else party_size,
                  booking.slot if slot is None else slot)
        resource = self.check(uow, listing, ask, now, ignore=booking.id)
        changed = booking.change(ask.party_size, ask.slot, bap_id, now)
        uow.bookings.save(changed, resource.buffer_minutes)
        if changed.slot != booking.slot:
            self.release(uow, booking, now)  # the old time may be someone else's now
        return changed, listing
