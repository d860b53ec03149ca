"""Dates, times, money and distances written the way a visitor's language writes them (Babel)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal

from duijie.l10n.catalogs import babel_locale


@dataclass(frozen=True)
class Formats:
    """Formatting in one language; times are shown in the zone of the place they happen."""

    lang: str

    def money(self, amount: Decimal | str, currency: str) -> str:
        """``$12.50`` / ``US$12.50``: the amount in its ISO 4217 currency."""
        return format_currency(Decimal(amount), currency, locale=babel_locale(self.lang))

    def number(self, value: Decimal | int | float) -> str:
        """A plain number with the language's separators."""
        return format_decimal(value, locale=babel_locale(self.lang))

    def datetime(self, moment: dt.datetime, zone: str | None = None, width: str = "medium") -> str:
        """An instant as wall-clock time in ``zone`` (the location's), or as given when naive."""
        tz = ZoneInfo(zone) if zone else None
        return format_datetime(moment, width, tzinfo=tz, locale=babel_locale(self.lang))

    def date(self, day: dt.date | dt.datetime, width: str = "medium") -> str:
        """A calendar day."""
        return format_date(day, width, locale=babel_locale(self.lang))

    def time(self, moment: dt.time | dt.datetime, zone: str | None = None, width: str = "short") -> str:
        """A time of day (of an instant, in ``zone``)."""
        tz = ZoneInfo(zone) if zone and isinstance(moment, dt.datetime) else None
        return format_time(moment, width, tzinfo=tz, locale=babel_locale(self.lang))

    def distance(self, km: float) -> str:
        """``850 m`` under a kilometre, else ``3.2 km`` (both languages write the SI units)."""
        if km < 1:
            return f"{format_decimal(round(km * 1000), locale=babel_locale(self.lang))} m"
        return f"{format_decimal(round(km, 1), locale=babel_locale(self.lang))} km"
