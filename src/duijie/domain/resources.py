"""Bookable physical capacity: private rooms, halls, KTV rooms, tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from duijie.domain.hours import TimeWindow
from duijie.domain.money import Money
from duijie.domain.text import LocalText


class ApprovalMode(StrEnum):
    """How a booking request becomes a booking: at once, or after the merchant approves it."""

    INSTANT = "instant"
    MANUAL = "manual"


class ResourceKind(StrEnum):
    """What is booked."""

    PRIVATE_ROOM = "private_room"
    HALL = "hall"
    KTV_ROOM = "ktv_room"
    TABLE = "table"


@dataclass(frozen=True, slots=True)
class BookableResource:
    """A room, hall or table at one location that a party can reserve.

    Rules (checked by ``Listing.validate``): capacity >= 1; 1 <= min_party <= capacity;
    slot length > 0; lead time >= 0; deposit not negative; free_cancel_hours >= 0; an
    explicit ``booking_window`` (when slots may start, local time) closes after it opens;
    the location exists; buffer >= 0. Bookings must also fall inside the location's opening
    hours (see ``duijie.domain.reservation_rules``). ``approval`` says whether a request is
    confirmed at once or waits for the merchant; ``buffer`` is the time kept free between two
    bookings (cleaning, setting up).
    """

    id: str
    kind: ResourceKind
    name: LocalText
    location_id: str
    capacity: int
    min_party: int = 1
    slot_length: timedelta = timedelta(minutes=120)
    lead_time: timedelta = timedelta(0)
    deposit: Money | None = None
    cancellation: LocalText | None = None
    free_cancel_hours: int = 0
    booking_window: TimeWindow | None = None
    description: LocalText | None = None
    approval: ApprovalMode = ApprovalMode.INSTANT
    buffer: timedelta = timedelta(0)

    @property
    def slot_minutes(self) -> int:
        """Slot length in whole minutes (the wire unit)."""
        return int(self.slot_length.total_seconds() // 60)

    @property
    def buffer_minutes(self) -> int:
        """Buffer between bookings in whole minutes (the wire unit)."""
        return int(self.buffer.total_seconds() // 60)

    def fits(self, party_size: int) -> bool:
        """True when a party of ``party_size`` may book this resource."""
        return self.min_party <= party_size <= self.capacity
