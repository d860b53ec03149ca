"""What keeps a resource busy, and the free slots of a day per resource per location.

The busy periods are read from storage (occupying bookings and the merchant's blocks) and
judged by the domain (:func:`duijie.domain.availability.free_slots`), so the availability a guest
is shown and the rules a booking must pass are one and the same.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from duijie.domain.availability import day_bounds, free_slots
from duijie.domain.hours import zone
from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import Busy, BusyKind, Slot, party_size_rule
from duijie.domain.reservations import OCCUPYING
from duijie.domain.resources import BookableResource
from duijie.services.errors import NotFound, ServiceError
from duijie.services.ports import Clock
from duijie.services.trade.reservation.ports import ReservationUnitOfWork, ReservationUnitOfWorkFactory

MAX_DAYS_AHEAD = 400
"""How far ahead availability is computed (a year of bookings, plus a margin)."""

_MARGIN = timedelta(days=1)
"""Read this much around a period: a booking's buffer or a long block reaching into it counts."""


def busy_during(uow: ReservationUnitOfWork, provider_id: str, resource_id: str, period: Slot) -> list[Busy]:
    """Every occupying booking and every block of one resource near ``period`` (widened by a day)."""
    near = Slot(period.start - _MARGIN, period.end + _MARGIN)
    found = [Busy(s.booking.slot, BusyKind.BOOKING, s.booking.id)
             for s in uow.bookings.overlapping(provider_id, resource_id, near, OCCUPYING)]
    found += [Busy(b.slot, BusyKind.BLOCK, b.reason) for b in uow.blocks.overlapping(provider_id, resource_id, near)]
    return found


def parse_day(raw: str | None, today: date, *, field: str = "date") -> date:
    """A calendar day ``YYYY-MM-DD`` (default ``today``), not before yesterday nor too far ahead."""
    if raw is None or raw == "":
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ServiceError(f"{field} must be a day YYYY-MM-DD, not {raw[:40]!r}", field=field) from None
    if day < today - timedelta(days=1) or day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ServiceError(f"{field} must lie between {today - timedelta(days=1)} and "
                           f"{today + timedelta(days=MAX_DAYS_AHEAD)}", field=field)
    return day


def local_slot(slot: Slot, tz: str) -> dict[str, str]:
    """A slot as the location's local wall clock (ISO 8601 with the offset of that instant)."""
    z = zone(tz)
    return {"start": slot.start.astimezone(z).isoformat(), "end": slot.end.astimezone(z).isoformat()}


def resource_view(resource: BookableResource) -> dict[str, Any]:
    """The facts a guest needs to pick a resource."""
    return {
        "id": resource.id, "kind": resource.kind.value, "name": resource.name.both(),
        "capacity": resource.capacity, "min_party": resource.min_party, "slot_minutes": resource.slot_minutes,
        "lead_time_minutes": int(resource.lead_time.total_seconds() // 60),
        "buffer_minutes": resource.buffer_minutes, "approval": resource.approval.value,
        "deposit": ({"amount": resource.deposit.to_wire(), "currency": resource.deposit.currency}
                    if resource.deposit else None),
    }


def day_availability(uow: ReservationUnitOfWork, listing: Listing, day: date, now: datetime,
                     party: int | None = None, resource_id: str | None = None) -> dict[str, Any]:
    """The free slots of ``day`` (each location's own calendar day) per resource, grouped by location.

    A resource the party does not fit lists no slots and says why (``unfit``).
    """
    resources = [r for r in listing.resources if resource_id is None or r.id == resource_id]
    if resource_id is not None and not resources:
        raise NotFound(f"no resource {resource_id!r} in {listing.id}", field="resource")
    by_location: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        location = listing.location(resource.location_id)
        view = resource_view(resource)
        unfit = party_size_rule(resource, party) if party is not None else None
        if unfit is not None:
            view.update(slots=[], unfit=unfit.message, rule=unfit.rule.value)
        else:
            busy = busy_during(uow, listing.id, resource.id, day_bounds(location, day))
            view["slots"] = [local_slot(s, location.time_zone)
                             for s in free_slots(resource, location, day, now, busy, party)]
        by_location.setdefault(location.id, []).append(view)
    return {
        "provider_id": listing.id, "date": day.isoformat(), "party": party,
        "locations": [{"id": loc_id, "time_zone": listing.location(loc_id).time_zone, "resources": views}
                      for loc_id, views in by_location.items()],
    }


class Availability:
    """The public availability use case (no admin token): read only."""

    def __init__(self, uow: ReservationUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def day(self, provider_id: str, day: str | None, party: int | None = None,
                  resource_id: str | None = None) -> dict[str, Any]:
        """Free slots of ``day`` (YYYY-MM-DD, default today in the first location's zone)."""
        if party is not None and party < 1:
            raise ServiceError(f"party must be at least 1, not {party}", field="party")
        return await self._uow.run(self._day, provider_id, day, party, resource_id)

    def _day(self, provider_id: str, raw_day: str | None, party: int | None, resource_id: str | None) -> dict[str, Any]:
        now = self._clock.now()
        with self._uow(read_only=True) as uow:
            stored = uow.listings.get(provider_id)
            if stored is None:
                raise NotFound(f"no provider {provider_id!r} on this node", field="provider_id")
            listing = stored.listing
            locations = listing.provider.locations
            today = now.astimezone(zone(locations[0].time_zone)).date() if locations else now.date()
            return day_availability(uow, listing, parse_day(raw_day, today), now, party, resource_id)
