"""Filter facets as index tokens, so the text index itself narrows by kind, category, diet and place.

A filtered query ("凉皮 near here, noodles only") is slow when the text index returns
every match and SQL rejects most of them afterwards: at a million listings, a common
word has tens of thousands of matches and a category or radius keeps a few percent.
So each document also gets *facet tokens* in a separate index column, and a query ANDs
its text with the facet tokens its filters imply; the index's own intersection then
does the narrowing. SQL and Python still apply the exact filters afterwards (facets
are a superset: hashed names may collide and grid cells overshoot the radius).

* ``k<kind>``; ``c<hash>`` per category; ``d<hash>`` per diet tag;
* geographic grid cells at a few sizes (``g<level>r<row>c<col>``), and the same cells
  combined with the category (``x<level><hash>r<row>c<col>``), because "category near a
  point" is the common filtered search and either facet alone keeps too many documents.

A query covers its bounding box with the cells of the finest level that needs at most
:data:`MAX_CELLS` cells; beyond the coarsest level (or across the antimeridian) it uses
no geographic facet.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from duijie.search.filters import bounding_box

#: Cell edge lengths in degrees (about 1, 3.3, 10, 30 and 90 km north-south).
GEO_LEVELS = (0.01, 0.03, 0.09, 0.27, 0.81)
#: The most cells a query ORs together at one level.
MAX_CELLS = 25


@lru_cache(maxsize=4096)
def _hash(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=6).hexdigest()


def _cell(lat: float, lon: float, size: float) -> tuple[int, int]:
    return math.floor((lat + 90.0) / size), math.floor((lon + 180.0) / size)


def _geo_token(level: int, cell: tuple[int, int], cat: str | None) -> str:
    prefix = f"x{level}{cat}" if cat else f"g{level}"
    return f"{prefix}r{cell[0]}c{cell[1]}"


def doc_facets(
    kind: str, category_key: str | None, diet: Sequence[str], lat: float | None, lon: float | None
) -> list[str]:
    """The facet tokens of one document (``category_key``/``diet`` already normalised)."""
    cat = _hash(category_key) if category_key else None
    tokens = [f"k{kind}"]
    if cat:
        tokens.append(f"c{cat}")
    tokens.extend(f"d{_hash(t)}" for t in diet)
    if lat is not None and lon is not None:
        for level, size in enumerate(GEO_LEVELS):
            cell = _cell(lat, lon, size)
            tokens.append(_geo_token(level, cell, None))
            if cat:
                tokens.append(_geo_token(level, cell, cat))
    return tokens


@dataclass(frozen=True, slots=True)
class Facets:
    """What a query requires of the facet column: every group, and one token of each group."""

    groups: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.groups)


def geo_cells(lat: float, lon: float, km: float) -> tuple[int, list[tuple[int, int]]] | None:
    """(level, cells) covering the circle's bounding box, or None when no level fits."""
    lat0, lat1, lon0, lon1 = bounding_box(lat, lon, km)
    if lon0 < -180.0 or lon1 > 180.0:
        return None
    lat0, lat1 = max(lat0, -90.0), min(lat1, 90.0)
    for level, size in enumerate(GEO_LEVELS):
        r0, c0 = _cell(lat0, lon0, size)
        r1, c1 = _cell(lat1, lon1, size)
        if (r1 - r0 + 1) * (c1 - c0 + 1) <= MAX_CELLS:
            return level, [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    return None


def query_facets(
    kinds: Sequence[str],
    category_key: str | None,
    diet: Sequence[str],
    near: tuple[float, float] | None,
    within_km: float,
) -> Facets:
    """The facet groups implied by a query's filters (empty when it has none)."""
    groups: list[tuple[str, ...]] = []
    if kinds:
        groups.append(tuple(f"k{k}" for k in dict.fromkeys(kinds)))
    cat = _hash(category_key) if category_key else None
    groups.extend((f"d{_hash(t)}",) for t in dict.fromkeys(diet))
    geo = geo_cells(near[0], near[1], within_km) if near is not None else None
    if geo is not None:
        level, cells = geo
        groups.append(tuple(_geo_token(level, cell, cat) for cell in cells))
    elif cat:
        groups.append((f"c{cat}",))
    return Facets(tuple(groups))
