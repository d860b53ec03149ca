"""Places a diner can name in a search ("near Rockville"), from the catalogs this node holds.

A buyer node holds merchant-signed catalogs of its peers; each location in them has an id, a name
in two languages and a town, with coordinates and a time zone. Those are the places this node
knows without a geocoder: a search near "Rockville" is a search near that location's point,
and a time typed without a place is read in the zone most held locations keep. A catalog's
places are read once per digest (the catalog changes rarely; the search page asks every time),
and the list is reused for :data:`FRESH_FOR` seconds before the catalogs are looked at again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import orjson

from duijie.domain.provider import Location
from duijie.interchange.listing_json import listing_from_document
from duijie.services.discovery_ports import DiscoveryUowFactory, StoredCatalog

FRESH_FOR = 1.0
"""Seconds the list of places is reused before the held catalogs are read again."""


@dataclass(frozen=True, slots=True)
class NamedPlace:
    """A point a visitor can name, with the time zone kept there."""

    name: str
    lat: float
    lon: float
    time_zone: str


def _names(loc: Location) -> tuple[str, ...]:
    names = (loc.address.locality, loc.name.zh, loc.name.en, loc.id)
    return tuple(n.strip() for n in names if n and n.strip())


def places_of(catalog: StoredCatalog) -> tuple[NamedPlace, ...]:
    """The named, located places of one held catalog (none when it cannot be read)."""
    try:
        listing = listing_from_document(orjson.loads(catalog.document)["listing"])
    except Exception:  # noqa: BLE001 - an unreadable catalog names no place (the index skips it too)
        return ()
    return tuple(NamedPlace(name, loc.geo.lat, loc.geo.lon, loc.time_zone)
                 for loc in listing.provider.locations if loc.geo is not None for name in _names(loc))


class NamedPlaces:
    """The places of every held catalog, looked up by name (any case)."""

    def __init__(self, uow: DiscoveryUowFactory) -> None:
        self._uow = uow
        self._cache: dict[tuple[str, str], tuple[str, tuple[NamedPlace, ...]]] = {}
        self._lock = threading.Lock()
        self._recent: tuple[float, list[NamedPlace]] | None = None

    def places(self) -> list[NamedPlace]:
        """Every named place, each name once (the first catalog naming it wins)."""
        recent = self._recent
        if recent is not None and time.monotonic() - recent[0] < FRESH_FOR:
            return recent[1]
        found = self._read()
        self._recent = (time.monotonic(), found)
        return found

    def _read(self) -> list[NamedPlace]:
        with self._uow(read_only=True) as uow:
            held = uow.peer_catalogs.all()
        seen: dict[str, NamedPlace] = {}
        for catalog in held:
            key = (catalog.subscriber_id, catalog.provider_id)
            with self._lock:
                cached = self._cache.get(key)
            if cached is None or cached[0] != catalog.digest:
                cached = (catalog.digest, places_of(catalog))
                with self._lock:
                    self._cache[key] = cached
            for place in cached[1]:
                seen.setdefault(place.name.casefold(), place)
        return list(seen.values())

    def place(self, text: str) -> NamedPlace | None:
        """The place ``text`` names: an exact name first, else the first name containing it."""
        wanted = text.strip().casefold()
        if not wanted:
            return None
        places = self.places()
        exact = [p for p in places if p.name.casefold() == wanted]
        partial = [p for p in places if wanted in p.name.casefold()]
        found = exact or partial
        return found[0] if found else None

    def usual_zone(self) -> str | None:
        """The time zone most held places keep, or None when none is held."""
        counts: dict[str, int] = {}
        for place in self.places():
            counts[place.time_zone] = counts.get(place.time_zone, 0) + 1
        return max(counts, key=lambda z: counts[z]) if counts else None
