"""The room reservation as a kind of trade: Beckn requests in, use cases run, callbacks out.

select quotes the deposit once the request passes every rule, init repeats the terms with the
guest, confirm books (the seller's receipts hook then signs the order, terms included), status
answers the state, cancel applies the cancellation terms and update changes the party size or
time, re-checked like a new booking. Only the guest's own node (the authenticated ``bap_id``
that booked) may see, cancel or change a booking; a broken rule is an error callback naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import ReservationError, ReservationRule, Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.protocol.mapping import reservations as rm
from duijie.protocol.mapping.catalog import _get
from duijie.protocol.pipeline import Verified
from duijie.services.trade.kinds import Message, SellerKind
from duijie.services.trade.listings import listing_of
from duijie.services.trade.reservation.bookings import Ask, Bookings, Requester, resource_of
from duijie.services.trade.reservation.ports import ReservationUnitOfWork, WaitlistEntry

R = TypeVar("R")


def _ruled(step: Callable[[], R]) -> R:
    """Run ``step``; a broken reservation rule becomes the error callback naming it."""
    try:
        return step()
    except ReservationError as exc:
        raise rm.rule_error(exc.rule, exc.message) from exc


WAITABLE = frozenset({ReservationRule.SLOT_TAKEN, ReservationRule.RESOURCE_BLOCKED})
"""Refusals a guest may wait out on the slot's waitlist."""


class SlotWaitlist(Protocol):
    """The waitlist the kind hands taken slots and freed ones to (``reservation/waitlist.py``)."""

    def join(self, uow: ReservationUnitOfWork, listing: Listing, resource_id: str, party_size: int, slot: Slot,
             guest: Guest, context: dict[str, Any], now: datetime) -> tuple[WaitlistEntry, int]: ...

    def slot_freed(self, uow: ReservationUnitOfWork, listing: Listing, resource_id: str, freed: Slot,
                   now: datetime) -> list[WaitlistEntry]: ...


def waitlist_tag(entry: WaitlistEntry, place: int) -> dict[str, Any]:
    """The tag group ``waitlist`` of an on_select that put the guest in line: its entry, state and place."""
    values = {"id": entry.id, "state": entry.state.value, "position": str(place)}
    return {"descriptor": {"code": "waitlist"},
            "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items()]}


def order_of(booking: Booking, listing: Listing) -> dict[str, Any]:
    """The Beckn order of a booking (what the waitlist's unsolicited ``on_status`` carries)."""
    return rm.booking_to_beckn(booking, listing, listing.resource(booking.resource_id))


def wants_waitlist(order: dict[str, Any]) -> bool:
    """Whether the order carries the tag ``waitlist`` = ``true`` (join the waitlist if the slot is taken)."""
    for group in order.get("tags") or []:
        if isinstance(group, dict) and _get(group, "descriptor", "code") == "waitlist":
            values = group.get("list") or []
            return any(isinstance(t, dict) and str(t.get("value", "")).lower() == "true" for t in values)
    return False


def _order(request: Verified) -> dict[str, Any]:
    order = request.message.get("order")
    return order if isinstance(order, dict) else {}


def _ask(order: dict[str, Any]) -> Ask:
    read = rm.ask_from_order(order)
    return Ask(read.resource_id, read.party_size, read.slot)


def _requester(request: Verified) -> Requester:
    ctx = request.context
    return Requester(ctx.bap_id, ctx.transaction_id, ctx.bap_uri)


class ReservationKind(SellerKind[ReservationUnitOfWork]):
    """Items that are the provider's bookable resources (``listing.resources``); bookings in ``uow.bookings``."""

    name = "room reservation"

    def __init__(self, bookings: Bookings | None = None, waitlist: SlotWaitlist | None = None) -> None:
        self.bookings = bookings or Bookings()
        self.waitlist = waitlist

    @classmethod
    def with_waitlist(cls, waitlist: SlotWaitlist) -> ReservationKind:
        """The kind with a waitlist: a guest may wait for a taken slot, and a freed slot is offered
        to the first guest waiting for it (in the unit of work that freed it)."""
        bookings = Bookings()

        def offer(uow: ReservationUnitOfWork, freed: Booking, now: datetime) -> None:
            waitlist.slot_freed(uow, listing_of(uow, freed.provider_id), freed.resource_id, freed.slot, now)

        bookings.released.append(offer)
        return cls(bookings, waitlist)

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        return any(r.id == item_id for r in listing.resources)

    def holds_order(self, uow: ReservationUnitOfWork, order_id: str) -> bool:
        return uow.bookings.get(order_id) is not None

    def holds_transaction(self, uow: ReservationUnitOfWork, bap_id: str, transaction_id: str) -> bool:
        return uow.bookings.for_transaction(bap_id, transaction_id) is not None

    # ---- select, init, confirm ----------------------------------------------------------------

    def _draft(self, uow: ReservationUnitOfWork, request: Verified, listing: Listing, now: datetime,
               *, with_terms: bool) -> Message:
        order = _order(request)
        ask = _ruled(lambda: _ask(order))
        ctx = request.context
        own = uow.bookings.for_transaction(ctx.bap_id, ctx.transaction_id)
        # A slot a waitlist offer holds for this very transaction is the guest's own, not taken.
        ignore = own.booking.id if own is not None and own.booking.state is BookingState.HELD else None
        try:
            resource = self.bookings.check(uow, listing, ask, now, ignore=ignore)
        except ReservationError as exc:
            if self.waitlist is None or exc.rule not in WAITABLE or not wants_waitlist(order):
                raise rm.rule_error(exc.rule, exc.message) from exc
            return self._join(uow, request, listing, ask, now)
        guest = rm.guest_from_order(order) if with_terms else None
        return {"order": rm.draft_to_beckn(listing, resource, ask.party_size, ask.slot, guest,
                                           with_terms=with_terms)}

    def _join(self, uow: ReservationUnitOfWork, request: Verified, listing: Listing, ask: Ask,
              now: datetime) -> Message:
        """The slot is taken and the guest asked to wait: it joins the slot's waitlist (on_select says where)."""
        assert self.waitlist is not None
        order = _order(request)
        guest = rm.guest_from_order(order)
        waitlist = self.waitlist
        entry, place = _ruled(lambda: waitlist.join(
            uow, listing, ask.resource_id, ask.party_size, ask.slot, guest, request.context.to_dict(), now))
        resource = _ruled(lambda: resource_of(listing, ask.resource_id))
        draft = rm.draft_to_beckn(listing, resource, ask.party_size, ask.slot, None, with_terms=False)
        draft["tags"] = [waitlist_tag(entry, place)]
        return {"order": draft}

    def select(self, uow: ReservationUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        return self._draft(uow, request, listing, now, with_terms=False)

    def init(self, uow: ReservationUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        return self._draft(uow, request, listing, now, with_terms=True)

    def confirm(self, uow: ReservationUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = _order(request)
        who = _requester(request)
        existing = uow.bookings.for_transaction(who.bap_id, who.transaction_id)
        if existing is not None and existing.booking.state is not BookingState.HELD:
            booking = existing.booking  # a retried confirm: the same booking again, whatever it carries now
        elif existing is not None:  # the guest takes the slot a waitlist offer held for it
            booking = _ruled(lambda: self.bookings.take_hold(uow, listing, existing.booking, who.bap_id, now))
        else:
            ask = _ruled(lambda: _ask(order))
            guest = rm.guest_from_order(order)
            booking = _ruled(lambda: self.bookings.book(uow, listing, ask, guest, who, now,
                                                        request.context.to_dict()))
        resource = _ruled(lambda: resource_of(listing, booking.resource_id))
        return {"order": rm.booking_to_beckn(booking, listing, resource)}

    # ---- after confirm ------------------------------------------------------------------------

    def status(self, uow: ReservationUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        stored = _ruled(lambda: self.bookings.own(uow, request.context.bap_id, order_id))
        listing = listing_of(uow, stored.booking.provider_id)
        resource = _ruled(lambda: resource_of(listing, stored.booking.resource_id))
        return {"order": rm.booking_to_beckn(stored.booking, listing, resource)}

    def cancel(self, uow: ReservationUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        message = request.message
        reason = _get(message, "descriptor", "name") or message.get("cancellation_reason_id")
        cancelled, listing, refund = _ruled(lambda: self.bookings.cancel(
            uow, request.context.bap_id, order_id, str(reason) if reason else None, now))
        resource = _ruled(lambda: resource_of(listing, cancelled.resource_id))
        return {"order": rm.booking_to_beckn(cancelled, listing, resource, refund)}

    def update(self, uow: ReservationUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        order = _order(request)
        count = _get(order, "items", 0, "quantity", "selected", "count")
        party = count if isinstance(count, int) and not isinstance(count, bool) else None
        slot: Slot | None = rm.slot_from_order(order) if rm.has_slot(order) else None
        if party is None and slot is None:
            raise rm.rule_error(ReservationRule.MALFORMED_TIME,
                                "an update names the new party size (items[0].quantity.selected.count) "
                                "or the new time (fulfillments[0].stops[0].time.range)")
        changed, listing = _ruled(lambda: self.bookings.change(uow, request.context.bap_id, order_id, party, slot,
                                                               now))
        resource = _ruled(lambda: resource_of(listing, changed.resource_id))
        return {"order": rm.booking_to_beckn(changed, listing, resource)}
