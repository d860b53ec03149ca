"""Filters evaluated in Python on SQL candidates: exact distance, opening hours, capacity.

SQL narrows with a bounding box and coarse comparisons; these functions give the exact
answer (haversine distance, OSM opening hours in the place's own time zone) and the
human-readable reason that goes into ``SearchHit.why``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from duijie.domain.errors import DomainError
from duijie.domain.hours import OpeningHours

# A little under the shortest degree of latitude (110.57 km), so the box is never too small.
_KM_PER_DEG = 110.0

_CAPACITY = re.compile(
    r"(\d{1,5})\s*(?:people|persons?|guests?|pax|seats?|diners?|人|位|座)(?![a-z])", re.IGNORECASE
)


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; slightly generous."""
    dlat = km / _KM_PER_DEG
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, km / (_KM_PER_DEG * cos_lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def is_open_at(hours: str | None, tz: str | None, when: datetime) -> bool | None:
    """True/False when the hours say open/closed at ``when``; None when unknown.

    ``hours`` is an OSM ``opening_hours`` string, evaluated in the IANA zone ``tz``
    (UTC if missing). ``when`` must be timezone-aware.
    """
    if not hours:
        return None
    try:  # compiled once in the domain's cache
        return OpeningHours(hours, tz or "UTC").is_open(when)
    except DomainError:  # unparseable hours, unknown zone, instant out of range: unknown, not open
        return None


def local_time_label(when: datetime, tz: str | None) -> str:
    """``when`` in the place's zone, to the minute, ISO 8601 (``2026-11-27T22:30-05:00``)."""
    return when.astimezone(ZoneInfo(tz or "UTC")).isoformat(timespec="minutes")


def capacity_from_text(text: str | None) -> tuple[int | None, str | None]:
    """Read a party size such as "50 people" or "50人" from query text.

    Returns ``(capacity, text_without_it)``; ``(None, text)`` when there is none.
    """
    if not text:
        return None, text
    match = _CAPACITY.search(text)
    if match is None:
        return None, text
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return int(match.group(1)), rest
