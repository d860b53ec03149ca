"""The reservation use cases (services/trade/reservation/bookings.py) against dict repositories."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.unit.services.fakes import FakeListings

from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import ReservationError, ReservationRule, RuleViolation, Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.domain.resources import ApprovalMode
from duijie.services.trade.reservation.bookings import Ask, Bookings, Requester
from duijie.services.trade.reservation.ports import Block, StoredBooking

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
EVENING = Slot(datetime(2026, 12, 4, 18, tzinfo=NY), datetime(2026, 12, 4, 21, tzinfo=NY))
GUEST = Guest("王芳", "+1-202-555-0100")


class FakeBookings:
    """Bookings in a dict; ``claims`` stands in for the database's one-claim-per-cell key."""

    def __init__(self) -> None:
        self.rows: dict[str, StoredBooking] = {}

    def _clash(self, booking: Booking, buffer: int) -> None:
        pad = timedelta(minutes=buffer)
        for other in self.rows.values():
            b = other.booking
            if (b.id != booking.id and b.state.occupies and b.resource_id == booking.resource_id
                    and b.slot.overlaps(booking.slot, pad)):
                raise ReservationError(RuleViolation(ReservationRule.SLOT_TAKEN, "taken (claims)"))

    def add(self, booking: Booking, bap_uri: str, context: dict[str, Any], buffer_minutes: int = 0) -> bool:
        if self.for_transaction(booking.bap_id, booking.transaction_id) is not None:
            return False
        if booking.state.occupies:
            self._clash(booking, buffer_minutes)
        self.rows[booking.id] = StoredBooking(booking, bap_uri, context)
        return True

    def save(self, booking: Booking, buffer_minutes: int = 0) -> None:
        if booking.state.occupies:
            self._clash(booking, buffer_minutes)
        current = self.rows[booking.id]
        self.rows[booking.id] = StoredBooking(booking, current.bap_uri, current.context)

    def get(self, booking_id: str) -> StoredBooking | None:
        return self.rows.get(booking_id)

    def for_transaction(self, bap_id: str, transaction_id: str) -> StoredBooking | None:
        return next((s for s in self.rows.values()
                     if (s.booking.bap_id, s.booking.transaction_id) == (bap_id, transaction_id)), None)

    def overlapping(self, provider_id: str, resource_id: str | None, period: Slot,
                    states: frozenset[BookingState] | None = None) -> list[StoredBooking]:
        return [s for s in self.rows.values() if s.booking.provider_id == provider_id
                and (resource_id is None or s.booking.resource_id == resource_id)
                and s.booking.slot.overlaps(period) and (states is None or s.booking.state in states)]


@dataclass
class FakeBlocks:
    rows: list[Block] = field(default_factory=list)

    def overlapping(self, provider_id: str, resource_id: str | None, period: Slot) -> list[Block]:
        return [b for b in self.rows if b.resource_id == resource_id and b.slot.overlaps(period)]


@dataclass
class RoomsUow:
    listings: FakeListings
    bookings: FakeBookings = field(default_factory=FakeBookings)
    blocks: FakeBlocks = field(default_factory=FakeBlocks)


@pytest.fixture
def uow(chuanshan: Listing) -> RoomsUow:
    return RoomsUow(FakeListings(chuanshan))


@pytest.fixture
def chuanshan() -> Listing:
    from tests.unit.domain.conftest import load_demo

    return load_demo("chuanshan.json")


def _ids() -> Any:
    counter = iter(range(1, 1000))
    return lambda: f"R-{next(counter)}"


def book(uc: Bookings, uow: RoomsUow, listing: Listing, party: int = 40, slot: Slot = EVENING,
         bap: str = "diner.example", tx: str = "tx-1", resource: str = "diaoyutai") -> Booking:
    return uc.book(uow, listing, Ask(resource, party, slot), GUEST, Requester(bap, tx, f"https://{bap}/beckn"),  # type: ignore[arg-type]
                   NOW, {"bap_id": bap})


def test_a_confirm_books_once_per_transaction(uow: RoomsUow, chuanshan: Listing) -> None:
    uc = Bookings(_ids())
    first = book(uc, uow, chuanshan)
    again = book(uc, uow, chuanshan, party=12)  # a retried confirm gets the same booking
    assert first.state is BookingState.CONFIRMED and again == first and len(uow.bookings.rows) == 1


def test_a_manual_resource_waits_for_the_merchant(uow: RoomsUow, chuanshan: Listing) -> None:
    manual = replace(chuanshan, resources=tuple(replace(r, approval=ApprovalMode.MANUAL) for r in chuanshan.resources))
    assert book(Bookings(_ids()), uow, manual).state is BookingState.PENDING_APPROVAL


def test_an_overlap_or_a_block_is_refused_by_the_rules(uow: RoomsUow, chuanshan: Listing) -> None:
    uc = Bookings(_ids())
    book(uc, uow, chuanshan)
    later = Slot(EVENING.start + timedelta(hours=1), EVENING.end + timedelta(hours=1))
    with pytest.raises(ReservationError) as taken:
        book(uc, uow, chuanshan, slot=later, bap="other.example", tx="tx-2")
    assert taken.value.rule is ReservationRule.SLOT_TAKEN and "claims" not in taken.value.message
    uow.blocks.rows.append(Block("K-1", "chuanshan", "ktv", EVENING, "maintenance", NOW))
    with pytest.raises(ReservationError) as blocked:
        book(uc, uow, chuanshan, party=8, resource="ktv", tx="tx-3",
             slot=Slot(EVENING.start, EVENING.start + timedelta(hours=2)))
    assert blocked.value.rule is ReservationRule.RESOURCE_BLOCKED


def test_only_the_guest_sees_changes_or_cancels(uow: RoomsUow, chuanshan: Listing) -> None:
    uc = Bookings(_ids())
    booking = book(uc, uow, chuanshan)
    for attempt in (lambda: uc.own(uow, "other.example", booking.id),  # type: ignore[arg-type]
                    lambda: uc.cancel(uow, "other.example", booking.id, None, NOW),  # type: ignore[arg-type]
                    lambda: uc.change(uow, "other.example", booking.id, 20, None, NOW)):  # type: ignore[arg-type]
        with pytest.raises(ReservationError) as err:
            attempt()
        assert err.value.rule is ReservationRule.NOT_THE_GUEST
    with pytest.raises(ReservationError) as missing:
        uc.own(uow, "diner.example", "R-404")  # type: ignore[arg-type]
    assert missing.value.rule is ReservationRule.BOOKING_NOT_FOUND


def test_a_change_is_checked_like_a_new_booking_but_not_against_itself(uow: RoomsUow, chuanshan: Listing) -> None:
    uc = Bookings(_ids())
    booking = book(uc, uow, chuanshan)
    changed, _ = uc.change(uow, "diner.example", booking.id, 60, None, NOW)  # type: ignore[arg-type]
    assert changed.party_size == 60 and changed.slot == EVENING
    with pytest.raises(ReservationError) as err:
        uc.change(uow, "diner.example", booking.id, 61, None, NOW)  # type: ignore[arg-type]
    assert err.value.rule is ReservationRule.PARTY_ABOVE_CAPACITY
    moved = Slot(EVENING.start - timedelta(hours=1), EVENING.end - timedelta(hours=1))
    released: list[Booking] = []
    uc.released.append(lambda _uow, b, _now: released.append(b))
    assert uc.change(uow, "diner.example", booking.id, None, moved, NOW)[0].slot == moved  # type: ignore[arg-type]
    assert [b.slot for b in released] == [EVENING]  # the old time is offered to whoever waits


def test_cancelling_applies_the_terms_and_frees_the_slot(uow: RoomsUow, chuanshan: Listing) -> None:
    uc = Bookings(_ids())
    released: list[Booking] = []
    uc.released.append(lambda _uow, b, _now: released.append(b))
    booking = book(uc, uow, chuanshan)
    cancelled, _, refund = uc.cancel(uow, "diner.example", booking.id, "plans changed", NOW)  # type: ignore[arg-type]
    assert cancelled.state is BookingState.CANCELLED and refund is not None and str(refund) == "200.00 USD"
    assert [b.id for b in released] == [booking.id]
    assert book(uc, uow, chuanshan, bap="other.example", tx="tx-2").state is BookingState.CONFIRMED
    late = EVENING.start - timedelta(hours=2)
    second = book(uc, uow, chuanshan, slot=Slot(EVENING.start + timedelta(days=1), EVENING.end + timedelta(days=1)),
                  tx="tx-3")
    _, _, none_back = uc.cancel(uow, "diner.example", second.id, None, late)  # type: ignore[arg-type]
    assert none_back is not None and none_back.amount == 0
