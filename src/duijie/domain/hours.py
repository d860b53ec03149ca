"""Opening hours: OSM ``opening_hours`` strings evaluated in an IANA time zone.

The evaluation is delegated to opening-hours-py; this module adds the rules duijie needs:
aware datetimes only (the domain never guesses a zone), unknown zones and unparsable strings
are reported rather than ignored, and simple rules can be exported as schema.org
OpeningHoursSpecification rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import opening_hours as _oh

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
SCHEMA_DAYS = {
    "Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday",
    "Fr": "Friday", "Sa": "Saturday", "Su": "Sunday",
}
_SIMPLE_RULE = re.compile(r"^(?P<days>[A-Za-z,\-]+)\s+(?P<times>[0-9:,\-\s]+)$")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

EVALUABLE_FROM = datetime(1900, 1, 2, tzinfo=UTC)
"""Earliest instant hours are evaluated at: opening-hours-py's calendar starts in 1900 (it calls
everything before closed), and a day's margin keeps the local date there in every zone."""

EVALUABLE_UNTIL = datetime(9999, 12, 30, tzinfo=UTC)
"""Latest instant hours are evaluated at: a day's margin keeps the local date within year 9999,
the last one ``datetime`` holds, in every zone."""


class HoursState(StrEnum):
    """What the hours say about an instant."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One schema.org OpeningHoursSpecification row: days (e.g. "Monday"), "HH:MM" opens/closes.

    ``closes`` earlier than ``opens`` means the range runs past midnight (schema.org's reading).
    """

    days: tuple[str, ...]
    opens: str
    closes: str


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``DomainError(UNKNOWN_TIME_ZONE)`` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.UNKNOWN_TIME_ZONE, Reason(P.UNKNOWN_TIME_ZONE, zone=name)) from exc


@lru_cache(maxsize=4096)
def _compile(expression: str, time_zone: str) -> _oh.OpeningHours:
    # Cached: the same few strings are evaluated for every search hit and CSV row.
    tz = zone(time_zone)
    try:
        # auto_* off: we never want the library to guess a country or a zone for us.
        return _oh.OpeningHours(expression, timezone=tz, auto_country=False, auto_timezone=False)
    except Exception as exc:  # the stubs omit ParserError (the runtime class); any failure = unparsable
        if isinstance(exc, DomainError):
            raise
        raise DomainError(ErrorCode.INVALID_HOURS, f"unparsable opening_hours {expression!r}") from exc


@lru_cache(maxsize=4096)  # with _compile, the one cache of opening hours (search filters use it too)
def hours_problem(expression: str) -> Reason | None:
    """Why ``expression`` is not a valid OSM opening_hours string, or None when it is."""
    if not expression.strip():
        return Reason(P.HOURS_EMPTY)
    if not _oh.validate(expression):
        return Reason(P.HOURS_UNPARSABLE, hours=expression)
    return None


def zone_problem(name: str) -> Reason | None:
    """Why ``name`` is not a known IANA time zone, or None when it is."""
    try:
        zone(name)
    except DomainError as exc:
        return Reason.of(exc.message)
    return None


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """An OSM opening_hours expression (e.g. ``"Su-Th 11:00-22:00; Fr,Sa 11:00-23:00"``) in a zone.

    Construction refuses an unknown zone or an unparsable expression (``DomainError``), so a
    value of this type can always be evaluated. Evaluation follows the local wall clock of the
    zone, so a restaurant opening at 11:00 opens at 11:00 local time on both sides of a DST change.
    """

    expression: str
    time_zone: str

    def __post_init__(self) -> None:
        problem = hours_problem(self.expression)
        if problem:
            raise DomainError(ErrorCode.INVALID_HOURS, problem)
        _compile(self.expression, self.time_zone)

    def _local(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise DomainError(ErrorCode.NAIVE_DATETIME, "now must be timezone-aware")
        # Compared as instants without converting: converting 9999-12-31T23:00-05:00 overflows.
        if not EVALUABLE_FROM <= now <= EVALUABLE_UNTIL:
            raise DomainError(
                ErrorCode.INVALID_VALUE,
                f"hours are evaluated between {EVALUABLE_FROM.date()} and {EVALUABLE_UNTIL.date()} (UTC)",
            )
        # opening-hours-py needs a ZoneInfo (it reads .key); convert the instant, not the wall time.
        return now.astimezone(zone(self.time_zone))

    def state(self, now: datetime) -> HoursState:
        """OPEN, CLOSED or UNKNOWN at the instant ``now`` (aware)."""
        st, _comment = _compile(self.expression, self.time_zone).state(self._local(now))
        return HoursState(str(st).lower())

    def is_open(self, now: datetime) -> bool:
        """True when open at the instant ``now`` (aware)."""
        return self.state(now) is HoursState.OPEN

    def next_change(self, now: datetime) -> tuple[datetime, HoursState] | None:
        """The next instant after ``now`` when the state changes, and the state from then on.

        The datetime is aware, in the location's zone. None when the state never changes
        (e.g. ``24/7``) within the library's horizon.
        """
        local = self._local(now)
        compiled = _compile(self.expression, self.time_zone)
        at = compiled.next_change(local)
        if at is None:
            return None
        if at.tzinfo is None:
            at = at.replace(tzinfo=zone(self.time_zone))
        if at > EVALUABLE_UNTIL:  # compared without converting (that could overflow)
            return None  # past the last instant the calendar evaluates: no change within it
        return at, self.state(at)

    def to_schema_org(self) -> tuple[ScheduleRow, ...] | None:
        """Rows for schema.org OpeningHoursSpecification, or None when a rule is not simple.

        Simple means rules of the form ``DAYS HH:MM-HH:MM[,HH:MM-HH:MM]`` with weekday lists and
        ranges (wrapping ranges such as ``Su-Th`` are allowed). Anything else (holidays, months,
        sunrise, ``24/7``...) cannot be said faithfully as rows, so callers fall back to the text.
        """
        rows: list[ScheduleRow] = []
        for rule in (r.strip() for r in self.expression.split(";")):
            if not rule:
                continue
            match = _SIMPLE_RULE.match(rule)
            if not match:
                return None
            days = _expand_days(match["days"])
            if days is None:
                return None
            for span in match["times"].split(","):
                hm = _RANGE.match(span.strip())
                if not hm:
                    return None
                opens, closes = f"{hm[1]}:{hm[2]}", f"{hm[3]}:{hm[4]}"
                if int(hm[3]) >= 24:  # OSM extended hours ("22:00-26:00") become wrap-around.
                    closes = f"{int(hm[3]) - 24:02d}:{hm[4]}"
                rows.append(ScheduleRow(tuple(SCHEMA_DAYS[d] for d in days), opens, closes))
        return tuple(rows)


def _expand_days(spec: str) -> list[str] | None:
    out: list[str] = []
    for part in spec.split(","):
        ends = part.split("-")
        if any(e not in DAYS for e in ends) or len(ends) > 2:
            return None
        if len(ends) == 1:
            out.append(ends[0])
            continue
        i, j = DAYS.index(ends[0]), DAYS.index(ends[1])
        span = j - i if j >= i else j + 7 - i  # "Su-Th" wraps past the end of the week.
        out.extend(DAYS[(i + k) % 7] for k in range(span + 1))
    return [d for d in DAYS if d in out]


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A daily window with explicit ``opens`` and ``closes`` local times (e.g. booking starts).

    Rule: ``closes`` must be after ``opens``. Unlike OSM strings (where ``22:00-02:00`` runs
    overnight), an explicit window is a plain same-day range, so closes <= opens is an error.
    """

    opens: time
    closes: time

    @property
    def problem(self) -> Reason | None:
        """Why the window is invalid, or None."""
        if self.closes <= self.opens:
            return Reason(P.CLOSES_BEFORE_OPENS, closes=f"{self.closes:%H:%M}", opens=f"{self.opens:%H:%M}")
        return None

    def contains(self, t: time) -> bool:
        """True when local time ``t`` is inside [opens, closes)."""
        return self.opens <= t < self.closes
