"""A simple search over this node's own providers: case-insensitive substrings in zh and en.

Good enough for a node answering ``search`` about the few providers it hosts; the network-wide
index with tokenisation and ranking lives in ``duijie.search``.
"""

from __future__ import annotations

from collections.abc import Sequence

from duijie.domain.catalog import Item
from duijie.domain.listing import Listing
from duijie.domain.provider import haversine_km
from duijie.domain.text import LocalText
from duijie.protocol.mapping import SearchCriteria

DEFAULT_RADIUS_KM = 25.0


def _has(text: LocalText | None, needle: str) -> bool:
    return text is not None and needle in text.both("\n").lower()


def _item_matches(item: Item, needle: str) -> bool:
    return (
        _has(item.name, needle)
        or _has(item.description, needle)
        or needle in (item.category or "").lower()
        or needle == item.id.lower()
    )


def _near(listing: Listing, gps: tuple[float, float], radius_km: float) -> bool:
    return any(
        loc.geo is not None and haversine_km(gps[0], gps[1], loc.geo.lat, loc.geo.lon) <= radius_km
        for loc in listing.provider.locations
    )


def match_listing(listing: Listing, c: SearchCriteria) -> tuple[Item, ...] | None:
    """The items of ``listing`` that answer ``c`` (all of them when only the provider matched); None = no match."""
    p = listing.provider
    if c.provider_id and c.provider_id != p.id:
        return None
    if c.provider_text and not _has(p.name, c.provider_text.lower()):
        return None
    if c.gps and not _near(listing, c.gps, c.radius_km or DEFAULT_RADIUS_KM):
        return None
    items = listing.catalog.items
    if c.category:
        cat = c.category.lower()
        items = tuple(i for i in items if (i.category or "").lower() == cat or i.section_id.lower() == cat)
        if not items:
            return None
    for needle in (t.strip().lower() for t in (c.item_text, c.text) if t and t.strip()):
        hits = tuple(i for i in items if _item_matches(i, needle))
        if hits:
            items = hits
        elif not (_has(p.name, needle) or _has(p.description, needle)):
            return None
    return items


def search_listings(listings: Sequence[Listing], criteria: SearchCriteria) -> list[tuple[Listing, tuple[Item, ...]]]:
    """Every listing that matches, with the items to show for it."""
    out = []
    for listing in listings:
        items = match_listing(listing, criteria)
        if items is not None:
            out.append((listing, items))
    return out
