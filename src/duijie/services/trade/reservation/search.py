"""Bookable rooms in the seller's ``on_search``: the resources a search asks for, free when it asks.

A search finds a resource by its name, description, kind or id (``钓鱼台``, ``banquet``, ``ktv``), by
a word for rooms (``room``, ``包厢``, ``订座``, ``reservation``...) or the category
``reservations``; a search with no text and no category lists every resource. An intent naming a
party size (``item.quantity.selected.count``) keeps the resources that take that party; one naming
a time range (``fulfillment.stops[0].time.range``) keeps those free then, and lists the free slots
of that day. The provider filters (id, name, place) apply as they do to the menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from duijie.domain.availability import day_bounds, free_slots
from duijie.domain.hours import zone
from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import Slot, party_size_rule, violations
from duijie.domain.resources import BookableResource
from duijie.domain.text import LocalText
from duijie.protocol import mapping as m
from duijie.protocol.mapping import reservations as rm
from duijie.protocol.mapping.catalog import provider_in
from duijie.services.local_search import match_listing
from duijie.services.trade.reservation.bookings import busy
from duijie.services.trade.reservation.ports import ReservationUnitOfWork
from duijie.services.trade.search_answer import narrowed

ROOM_WORDS = frozenset({"room", "rooms", "reservation", "reservations", "book", "booking", "private room", "hall",
                        "包厢", "包间", "订座", "预订", "订位", "宴会", "宴会厅", "雅间"})


def _has(text: LocalText | None, needle: str) -> bool:
    return text is not None and needle in text.both("\n").lower()


def _matches(r: BookableResource, needle: str) -> bool:
    return (needle == r.id.lower() or needle in r.kind.value.replace("_", " ") or _has(r.name, needle)
            or _has(r.description, needle))


def matching_resources(listing: Listing, c: m.SearchCriteria) -> tuple[BookableResource, ...]:
    """The resources of ``listing`` that answer ``c``'s words (none when its provider filters fail)."""
    if not listing.resources:
        return ()
    where = m.SearchCriteria(provider_id=c.provider_id, provider_text=c.provider_text, gps=c.gps,
                             radius_km=c.radius_km)
    if match_listing(listing, where) is None:
        return ()
    if c.category and c.category.strip().lower() not in ("reservation", "reservations", "rooms"):
        return ()
    return narrowed(listing.resources, listing, c, ROOM_WORDS, _matches)


def _free(uow: ReservationUnitOfWork, listing: Listing, resource: BookableResource, ask: rm.SearchAsk,
          now: datetime) -> tuple[bool, list[Slot] | None]:
    """Whether ``resource`` answers the intent's party and time, and the free slots of the day it names."""
    if ask.party_size is not None and party_size_rule(resource, ask.party_size) is not None:
        return False, None
    if ask.slot is None:
        return True, None
    location = listing.location(resource.location_id)
    day = ask.slot.start.astimezone(zone(location.time_zone)).date()
    taken = busy(uow, listing.id, resource, ask.slot)
    party = ask.party_size if ask.party_size is not None else resource.min_party
    if violations(resource, location, party, ask.slot, now, taken):
        return False, None
    whole_day = busy(uow, listing.id, resource, day_bounds(location, day))
    return True, free_slots(resource, location, day, now, whole_day, party)


def with_resources(uow: ReservationUnitOfWork, listings: Sequence[Listing], intent: Any, criteria: m.SearchCriteria,
                   providers: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """``providers`` (the mapped answer so far) with the matching bookable resources of ``listings``
    added, and a provider added for a listing that only its resources matched."""
    ask = rm.search_ask(intent)
    for listing in listings:
        chosen = []
        for resource in matching_resources(listing, criteria):
            fits, free = _free(uow, listing, resource, ask, now)
            if fits:
                chosen.append((resource, free))
        if not chosen:
            continue
        provider = provider_in(providers, listing)
        rm.add_resources(provider, listing, chosen)
    return providers
