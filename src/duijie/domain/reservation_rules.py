"""The rules a room booking must pass, each a separate function returning what it broke.

Every rule returns ``None`` when the request passes it, else a :class:`RuleViolation` naming the
rule and the number it enforces (the capacity 60, the closing time 22:00, the lead time 7 days),
so a guest is told exactly what to change. Times are read in the location's own time zone:
positions (opening, closing, the booking window) by the local wall clock, durations (slot length,
lead time, buffer) as elapsed time, so a booking is judged correctly on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.hours import HoursState, zone
from duijie.domain.money import Money
from duijie.domain.provider import Location
from duijie.domain.resources import BookableResource


class ReservationRule(StrEnum):
    """Why a booking (or a change to one) was refused; mapped to BECKN-005 codes by protocol.mapping."""

    PARTY_SIZE_INVALID = "party_size_invalid"
    PARTY_ABOVE_CAPACITY = "party_above_capacity"
    PARTY_BELOW_MINIMUM = "party_below_minimum"
    MALFORMED_TIME = "malformed_time"
    END_BEFORE_START = "end_before_start"
    IN_THE_PAST = "in_the_past"
    LEAD_TIME = "lead_time"
    SLOT_LENGTH = "slot_length"
    CLOSED_AT_START = "closed_at_start"
    AFTER_CLOSING = "after_closing"
    OUTSIDE_BOOKING_WINDOW = "outside_booking_window"
    SLOT_TAKEN = "slot_taken"
    RESOURCE_BLOCKED = "resource_blocked"
    RESOURCE_NOT_FOUND = "resource_not_found"
    BOOKING_NOT_FOUND = "booking_not_found"
    NOT_THE_GUEST = "not_the_guest"
    ILLEGAL_TRANSITION = "illegal_transition"


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A broken rule, why, and the limit it enforces (``"60"``, ``"22:00"``, ``"7 days"``)."""

    rule: ReservationRule
    message: str
    limit: str | None = None

    def __str__(self) -> str:
        return f"{self.rule.value}: {self.message}"


class ReservationError(DomainError):
    """A reservation rule refused the request; ``violation`` names the rule and its limit."""

    _NOT_FOUND = frozenset({ReservationRule.RESOURCE_NOT_FOUND, ReservationRule.BOOKING_NOT_FOUND})

    def __init__(self, violation: RuleViolation) -> None:
        code = ErrorCode.NOT_FOUND if violation.rule in self._NOT_FOUND else ErrorCode.INVALID_VALUE
        super().__init__(code, violation.message)
        self.violation = violation
        self.rule = violation.rule


@dataclass(frozen=True, slots=True)
class Slot:
    """A half-open time range [start, end) of instants, given with any UTC offset and kept in UTC.

    Kept in UTC because Python compares and subtracts two datetimes of the same zone by their wall
    clocks: 00:00 to 02:00 in New York on the autumn DST night would be two hours, not three.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            moment = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise DomainError(ErrorCode.NAIVE_DATETIME, "a slot's start and end must carry a UTC offset")
            object.__setattr__(self, name, moment.astimezone(UTC))

    @property
    def length(self) -> timedelta:
        """Elapsed time from start to end (a DST change shortens or lengthens the wall-clock view)."""
        return self.end - self.start

    def overlaps(self, other: Slot, buffer: timedelta = timedelta(0)) -> bool:
        """True when the two ranges, each widened by ``buffer`` at its end, share an instant."""
        return self.start < other.end + buffer and other.start < self.end + buffer


class BusyKind(StrEnum):
    """What keeps a resource from being booked: another booking, or a merchant's block."""

    BOOKING = "booking"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Busy:
    """A period the resource is taken: by a booking (``ref`` its id) or a block (``ref`` its reason)."""

    slot: Slot
    kind: BusyKind = BusyKind.BOOKING
    ref: str = ""


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 1440} day{'s' if minutes != 1440 else ''}"
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60} hour{'s' if minutes != 60 else ''}"
    return f"{minutes} minutes"


def _local(moment: datetime, location: Location) -> datetime:
    return moment.astimezone(zone(location.time_zone))


def party_size_rule(resource: BookableResource, party_size: int) -> RuleViolation | None:
    """A party is at least one guest, at least ``min_party`` and at most ``capacity``."""
    if party_size <= 0:
        return RuleViolation(ReservationRule.PARTY_SIZE_INVALID,
                             f"party size must be at least 1, got {party_size}", "1")
    if party_size > resource.capacity:
        return RuleViolation(ReservationRule.PARTY_ABOVE_CAPACITY,
                             f"{resource.id} holds at most {resource.capacity} guests, not {party_size}",
                             str(resource.capacity))
    if party_size < resource.min_party:
        return RuleViolation(ReservationRule.PARTY_BELOW_MINIMUM,
                             f"{resource.id} is booked for at least {resource.min_party} guests, not {party_size}",
                             str(resource.min_party))
    return None


def order_rule(slot: Slot) -> RuleViolation | None:
    """A slot ends after it starts."""
    if slot.end <= slot.start:
        return RuleViolation(ReservationRule.END_BEFORE_START,
                             f"the end {slot.end.isoformat()} is not after the start {slot.start.isoformat()}")
    return None


def past_rule(slot: Slot, now: datetime) -> RuleViolation | None:
    """A slot starts in the future."""
    if slot.start <= now.astimezone(UTC):
        return RuleViolation(ReservationRule.IN_THE_PAST, f"the slot starts at {slot.start.isoformat()}, in the past")
    return None


def lead_time_rule(resource: BookableResource, slot: Slot, now: datetime) -> RuleViolation | None:
    """A slot starts at least the resource's lead time after the request."""
    if slot.start - now.astimezone(UTC) < resource.lead_time:
        lead = _duration(resource.lead_time)
        return RuleViolation(ReservationRule.LEAD_TIME,
                             f"{resource.id} must be booked at least {lead} ahead", lead)
    return None


def slot_length_rule(resource: BookableResource, slot: Slot) -> RuleViolation | None:
    """A booking lasts a whole number of the resource's slots (elapsed time, one at least)."""
    length, unit = slot.length, resource.slot_length
    if length <= timedelta(0) or unit <= timedelta(0) or length % unit:
        return RuleViolation(ReservationRule.SLOT_LENGTH,
                             f"{resource.id} is booked in slots of {resource.slot_minutes} minutes; "
                             f"{int(length.total_seconds() // 60)} minutes is not a whole number of slots",
                             str(resource.slot_minutes))
    return None


def opening_hours_rule(location: Location, slot: Slot) -> RuleViolation | None:
    """The whole slot lies inside one open interval of the location's hours (its own zone).

    Open at the start, and no change to closed before the end. A location without hours has
    not said when it is open, so this rule does not refuse there.
    """
    hours = location.hours
    if hours is None:
        return None
    start_local = _local(slot.start, location)
    if hours.state(slot.start) is not HoursState.OPEN:
        change = hours.next_change(slot.start)
        opens = f"; it opens at {change[0]:%H:%M}" if change and change[0].date() == start_local.date() else ""
        when = f"{start_local:%a %Y-%m-%d %H:%M} ({location.time_zone})"
        return RuleViolation(ReservationRule.CLOSED_AT_START, f"{location.id} is closed at {when}{opens}",
                             f"{change[0]:%H:%M}" if opens and change else None)
    at = slot.start
    while True:
        change = hours.next_change(at)
        if change is None or change[0] >= slot.end:
            return None
        if change[1] is not HoursState.OPEN:
            closes = f"{change[0]:%H:%M}"
            return RuleViolation(ReservationRule.AFTER_CLOSING,
                                 f"{location.id} closes at {closes} ({location.time_zone}); the slot ends at "
                                 f"{_local(slot.end, location):%H:%M}", closes)
        at = change[0]


def booking_window_rule(resource: BookableResource, location: Location, slot: Slot) -> RuleViolation | None:
    """A slot starts inside the resource's explicit booking window (local time), when it has one."""
    window = resource.booking_window
    if window is None:
        return None
    start = _local(slot.start, location).time()
    if not window.contains(start):
        span = f"{window.opens:%H:%M}-{window.closes:%H:%M}"
        return RuleViolation(ReservationRule.OUTSIDE_BOOKING_WINDOW,
                             f"{resource.id} slots start between {span}, not at {start:%H:%M}", span)
    return None


def free_rule(resource: BookableResource, slot: Slot, busy: Iterable[Busy],
              ignore: str | None = None) -> RuleViolation | None:
    """No other active booking (widened by the resource's buffer) and no block overlaps the slot.

    ``ignore`` is the booking being changed, which does not compete with itself.
    """
    for taken in busy:
        if taken.kind is BusyKind.BOOKING and taken.ref and taken.ref == ignore:
            continue
        if taken.kind is BusyKind.BLOCK and taken.slot.overlaps(slot):
            why = f" ({taken.ref})" if taken.ref else ""
            return RuleViolation(ReservationRule.RESOURCE_BLOCKED,
                                 f"{resource.id} is blocked from {taken.slot.start.isoformat()} to "
                                 f"{taken.slot.end.isoformat()}{why}")
        if taken.kind is BusyKind.BOOKING and taken.slot.overlaps(slot, resource.buffer):
            gap = f" (with {resource.buffer_minutes} minutes between bookings)" if resource.buffer else ""
            return RuleViolation(ReservationRule.SLOT_TAKEN,
                                 f"{resource.id} is already booked from {taken.slot.start.isoformat()} to "
                                 f"{taken.slot.end.isoformat()}{gap}",
                                 str(resource.buffer_minutes) if resource.buffer else None)
    return None


def violations(resource: BookableResource, location: Location, party_size: int, slot: Slot, now: datetime,
               busy: Iterable[Busy] = (), ignore: str | None = None) -> list[RuleViolation]:
    """Every rule a request for ``party_size`` guests in ``slot`` breaks, most fundamental first.

    The order is the one a guest fixes things in: the party, the time range itself, when it is
    (past, lead time), the hours, the slot length, and only then whether it is free.
    """
    found = [party_size_rule(resource, party_size), order_rule(slot)]
    if found[1] is None:
        found += [past_rule(slot, now)]
        if found[-1] is None:
            found.append(lead_time_rule(resource, slot, now))
        found += [opening_hours_rule(location, slot), booking_window_rule(resource, location, slot),
                  slot_length_rule(resource, slot), free_rule(resource, slot, busy, ignore)]
    return [v for v in found if v is not None]


def check_booking(resource: BookableResource, location: Location, party_size: int, slot: Slot, now: datetime,
                  busy: Iterable[Busy] = (), ignore: str | None = None) -> None:
    """Raise :class:`ReservationError` with the first broken rule (see :func:`violations`)."""
    broken = violations(resource, location, party_size, slot, now, busy, ignore)
    if broken:
        raise ReservationError(broken[0])


def cancellation_refund(resource: BookableResource, slot: Slot, now: datetime) -> Money | None:
    """The cancellation terms: the whole deposit back when cancelled ``free_cancel_hours`` ahead, else none.

    None when the resource takes no deposit.
    """
    if resource.deposit is None:
        return None
    if slot.start - now.astimezone(UTC) >= timedelta(hours=resource.free_cancel_hours):
        return resource.deposit
    return Money(resource.deposit.amount * 0, resource.deposit.currency)
