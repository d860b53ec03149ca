"""Free slots of a bookable resource on one day, for a party size.

A candidate slot starts every ``step`` (30 minutes by default) from the location's local
midnight, lasts one slot length, and is free when every booking rule passes: party size, not in
the past, lead time, inside one open interval, the booking window, and no active booking (with
the buffer) or block overlapping it. Candidates are walked as instants, so a DST day has 23 or
25 hours of them and none is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from duijie.domain.hours import zone
from duijie.domain.provider import Location
from duijie.domain.reservation_rules import Busy, Slot, violations
from duijie.domain.resources import BookableResource

DEFAULT_STEP = timedelta(minutes=30)
"""How far apart candidate start times are."""


def day_bounds(location: Location, day: date) -> Slot:
    """The location's local calendar ``day`` as an instant range (23 or 25 hours on DST days)."""
    tz = zone(location.time_zone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return Slot(start, end)


def free_slots(resource: BookableResource, location: Location, day: date, now: datetime,
               busy: Iterable[Busy] = (), party_size: int | None = None,
               step: timedelta = DEFAULT_STEP) -> list[Slot]:
    """Every bookable slot of ``resource`` starting on the local ``day`` (each one slot long).

    ``party_size`` None means "any party the resource takes" (its minimum is used). Slots are
    instants in UTC (see :class:`Slot`); show them in the location's zone.
    """
    taken = tuple(busy)
    party = resource.min_party if party_size is None else party_size
    bounds = day_bounds(location, day)
    out: list[Slot] = []
    # Walk in UTC: adding to an aware local datetime adds wall-clock time, which repeats or
    # skips an hour at a DST change.
    at, stop = bounds.start, bounds.end  # UTC already
    while at < stop:
        slot = Slot(at, at + resource.slot_length)
        if not violations(resource, location, party, slot, now, taken):
            out.append(slot)
        at += step
    return out
