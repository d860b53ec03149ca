"""Dates, times, money, distances, language names and phone numbers written the way a visitor's
language writes them (Babel; phones with libphonenumber)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

from duijie.l10n.catalogs import babel_locale
from duijie.l10n.phones import ShownPhone, shown_phone


@dataclass(frozen=True)
class Formats:
    """Formatting in one language; times are shown in the zone of the place they happen."""

    lang: str

    def money(self, amount: Decimal | str, currency: str) -> str:
        """``$12.50`` / ``US$12.50``: the amount in its ISO 4217 currency."""
        return _money(str(amount), currency, self.lang)

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
            return f"{_decimal(round(km * 1000), self.lang)} m"
        return f"{_decimal(round(km, 1), self.lang)} km"

    def age(self, seconds: int) -> str:
        """How long ago, roughly (``2分钟``, ``3 hours``): the largest unit that fits."""
        return _age(seconds, self.lang)

    def language(self, code: str) -> str:
        """The name of the language ``code`` (``zh``, ``en``, ``zh-Hant``) in this language
        (``中文``, ``English``); the code itself when Babel does not know it."""
        try:
            name = Locale.parse(code.strip().replace("-", "_")).get_display_name(babel_locale(self.lang))
        except (UnknownLocaleError, ValueError, TypeError):
            return code
        return name or code

    def languages(self, codes: list[str] | tuple[str, ...]) -> str:
        """Several languages by name, listed as this language lists (``中文和英语``)."""
        return format_list([self.language(c) for c in codes], locale=babel_locale(self.lang))

    def phone(self, number: str, region: str | None = None) -> ShownPhone:
        """``number`` as shown (national format in ``region``, the place's country) and linked (E.164)."""
        return _phone(number, region)


# Babel applies a number pattern in about 30 us; a page of results writes the same few prices and
# distances again and again, so the pure formatting is remembered (bounded; values, not pages).
@functools.lru_cache(maxsize=4096)
def _money(amount: str, currency: str, lang: str) -> str:
    return format_currency(Decimal(amount), currency, locale=babel_locale(lang))


@functools.lru_cache(maxsize=4096)
def _decimal(value: float, lang: str) -> str:
    return format_decimal(value, locale=babel_locale(lang))


# libphonenumber parses and formats a number in about 130 us; an inbox refreshing every 2 s and a
# provider page with a phone per location and job ad show the same few numbers again and again.
@functools.lru_cache(maxsize=4096)
def _phone(number: str, region: str | None) -> ShownPhone:
    return shown_phone(number, region)


@functools.lru_cache(maxsize=1024)  # every search within the same second asks for the same ages
def _age(seconds: int, lang: str) -> str:
    return format_timedelta(dt.timedelta(seconds=seconds), locale=babel_locale(lang))
