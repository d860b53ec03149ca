"""Filters evaluated in Python on SQL candidates: exact distance, opening hours, capacity.

SQL narrows with a bounding box and coarse comparisons; these functions give the exact
answer (haversine distance, OSM opening hours in the place's own time zone) and the
human-readable reason that goes into ``SearchHit.why``.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

EARTH_RADIUS_KM = 6371.0088
# A little under the shortest degree of latitude (110.57 km), so the box is never too small.
_KM_PER_DEG = 110.0

_CAPACITY = re.compile(
    r"(\d{1,5})\s*(?:people|persons?|guests?|pax|seats?|diners?|人|位|座)(?![a-z])", re.IGNORECASE
)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; slightly generous."""
    dlat = km / _KM_PER_DEG
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, km / (_KM_PER_DEG * cos_lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@lru_cache(maxsize=4096)
def _compiled_hours(expr: str, tz: str) -> object | None:
    import opening_hours  # local: a compiled extension, only needed for open-at queries

    try:
        return opening_hours.OpeningHours(expr, timezone=ZoneInfo(tz))
    except Exception:  # unparseable hours or unknown zone: treat as unknown, not as open
        return None


def is_open_at(hours: str | None, tz: str | None, when: datetime) -> bool | None:
    """True/False when the hours say open/closed at ``when``; None when unknown.

    ``hours`` is an OSM ``opening_hours`` string, evaluated in the IANA zone ``tz``
    (UTC if missing). ``when`` must be timezone-aware.
    """
    if not hours:
        return None
    oh = _compiled_hours(hours, tz or "UTC")
    if oh is None:
        return None
    local = when.astimezone(ZoneInfo(tz or "UTC"))
    return bool(oh.is_open(local))  # type: ignore[attr-defined]


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
