"""The problems of a listing said in the reader's language, from their code, and a bad
opening_hours part named.

The domain and the importers report each problem with a code (a
:class:`~duijie.domain.listing_problems.ListingProblem`) and the values its sentence names; the
pages (the listing editor) and the command line (``menu import``, a node's refusal) say it here
from one table keyed by the code (:data:`TEXTS`; the Chinese is in ``locale/zh/web_listing.po``).
English readers get this table's English too, which is written for people where the domain's
``Issue.reason`` is written for logs and clients. A reason made without a code (a page's own
sentence, already in its reader's language) is shown as it is.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping

import opening_hours

from duijie.domain.listing_problems import AT, COLUMN, ENGLISH, ListingProblem, Reason

Gettext = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention: marks a message for extraction
    """Mark ``message`` for translation without translating it here."""
    return message


P = ListingProblem

TEXTS: dict[ListingProblem, str] = {
    P.MISSING_FIELD: N_("is required"),
    P.UNKNOWN_FIELD: N_("is not a field of the format"),
    P.WRONG_TYPE: N_("expected %(expected)s, got %(got)s"),
    P.UNKNOWN_VALUE: N_("%(value)s is not one of the allowed values"),
    P.NOT_JSON: N_("not JSON: %(message)s at line %(line)s, column %(column)s"),
    P.UNSUPPORTED_FORMAT: N_("the format %(got)s is not %(expected)s"),
    P.ID_EMPTY: N_("the id must not be empty"),
    P.PROVIDER_ID_CHANGED: N_("an edit may not change the provider's id %(id)s"),
    P.EMPTY: N_("must not be empty"),
    P.DUPLICATE_ID: N_("the id %(id)s is already used"),
    P.TEXT_MISSING: N_("needs a Chinese or an English text"),
    P.NEGATIVE: N_("must not be negative"),
    P.NEGATIVE_PRICE: N_("must not be negative (got %(amount)s)"),
    P.NEGATIVE_STOCK: N_("must not be negative (leave it empty for unlimited)"),
    P.AT_LEAST_ONE: N_("must be at least 1"),
    P.AT_LEAST_ONE_MINUTE: N_("must be at least 1 minute"),
    P.NOT_A_CURRENCY: N_("%(currency)s is not a currency code: use an ISO 4217 code such as USD or CNY"),
    P.NOT_AN_AMOUNT: N_("%(amount)s is not an amount such as 12.50"),
    P.NOT_A_DECIMAL: N_("%(value)s is not a decimal number"),
    P.DECIMAL_EXPECTED: N_("expected a decimal such as 12.5"),
    P.NOT_FINITE: N_("must be a finite number"),
    P.MENU_CURRENCY: N_("the menu is priced in %(menu)s: one currency per listing, not %(got)s"),
    P.MENU_CURRENCY_ROW: N_("the menu is priced in %(menu)s: one currency per listing, not %(got)s"),
    P.OPTION_CURRENCY: N_("must be in the currency of the item's price"),
    P.SPICE_RANGE: N_("must be 0 to 4"),
    P.UNKNOWN_SECTION: N_("there is no section %(section)s"),
    P.UNKNOWN_LOCATION: N_("there is no location %(location)s"),
    P.LOCATION_REQUIRED: N_("at least one location is required"),
    P.MAX_BELOW_MIN: N_("must be at least the minimum number of choices"),
    P.MAX_ABOVE_OPTIONS: N_("is more than the %(options)s options there are"),
    P.UNKNOWN_TIME_ZONE: N_("%(zone)s is not a time zone such as America/New_York"),
    P.HOURS_EMPTY: N_("the hours must not be empty"),
    P.HOURS_UNPARSABLE: N_("these hours are not understood"),  # said in detail: hours_problem_said
    P.NOT_HH_MM: N_("%(value)s is not a time such as 18:00"),
    P.CLOSES_BEFORE_OPENS: N_("closes (%(closes)s) must be after opens (%(opens)s)"),
    P.LATITUDE_RANGE: N_("latitude %(lat)s is outside -90 to 90"),
    P.LONGITUDE_RANGE: N_("longitude %(lon)s is outside -180 to 180"),
    P.MIN_PARTY_ABOVE_CAPACITY: N_("%(min_party)s is more than the capacity %(capacity)s"),
    P.TIER_REQUIRED: N_("at least one price tier is required"),
    P.TIER_PRICE_NEGATIVE: N_("the price must not be negative"),
    P.TIERS_NOT_ASCENDING: N_("each tier's minimum quantity must be larger than the one before"),
    P.TIERS_MIXED_CURRENCY: N_("all tiers must use one currency"),
    P.PRICE_RISES: N_("the price rises with the quantity (%(price_before)s from %(quantity_before)s, "
                      "%(price)s from %(quantity)s)"),
    P.ORIGIN_PLACE_MISSING: N_("the place of origin must be named"),
    P.ORIGIN_DATE_OR_BATCH: N_("a harvest date or a batch is required"),
    P.HARVEST_IN_FUTURE: N_("%(date)s is in the future"),
    P.NOT_A_DATE: N_("%(value)s is not a date such as 2026-09-01"),
    P.NOT_SIGNED_OFFER: N_("must be the producer's signed offer (a JSON object)"),
    P.NOT_A_JSON_PATH: N_("must be a JSON path starting with $"),
    P.NOT_A_DATETIME: N_("expected a date and time with its UTC offset, such as 2026-09-01T18:00:00+08:00"),
    P.NO_UTC_OFFSET: N_("must carry a UTC offset"),
    P.NOT_STRINGS: N_("expected a list of texts"),
    P.POOL_TERMS_INCOMPLETE: N_("the pool's terms are incomplete"),
    P.CSV_HEADER: N_("the first line must be the columns %(columns)s"),
    P.CSV_COLUMN_COUNT: N_("expected %(expected)s columns, got %(got)s"),
    P.NOT_WHOLE_NUMBER: N_("%(value)s is not a whole number"),
    P.OUT_OF_RANGE: N_("%(value)s is outside %(low)s to %(high)s"),
    P.UNKNOWN_DIET_TAG: N_("%(tag)s is not a diet tag"),
    P.SECTION_NAMES_DIFFER: N_("the section %(section)s has other names on an earlier line"),
    P.SECTION_NAME_MISSING: N_("the section needs a Chinese or an English name"),
    P.ITEM_NAME_MISSING: N_("the item needs a Chinese or an English name"),
    P.DUPLICATE_ITEM_ID: N_("the item id %(id)s is already used"),
    P.ADD_ON_GROUP_FORMAT: N_("the add-on group %(group)s is not written as ID[MIN-MAX] 中文/English: options"),
    P.ADD_ON_OPTION_FORMAT: N_("the option %(option)s is not written as ID 中文/English PRICE"),
}
"""Each problem's sentence (English source text; the values are the domain's ``params``)."""

KINDS: dict[str, str] = {kind: kind for kind in (
    N_("an object"), N_("an array"), N_("a string"), N_("an integer"), N_("a number"), N_("a boolean"),
    N_("a decimal"), N_("null"))}
"""The kinds of JSON value a ``wrong_type`` problem names (its ``expected`` and ``got``)."""

_QUOTED: dict[ListingProblem, frozenset[str]] = {
    code: frozenset(name for _, name, _, conversion in string.Formatter().parse(english)
                    if name and conversion == "r")
    for code, english in ENGLISH.items()
}
"""The values each problem's English quotes (``{id!r}``): they are quoted in every language."""


def said(code: str, params: Mapping[str, str], _: Gettext) -> str | None:
    """The problem ``code`` with its ``params`` in the language of ``_``; None for an unknown code
    (one a newer node sent: the caller shows the English it came with)."""
    try:
        problem = ListingProblem(code)
    except ValueError:
        return None
    values = {name: repr(value) if name in _QUOTED[problem] else value for name, value in params.items()}
    if problem is P.HOURS_UNPARSABLE and "hours" in params:
        text = hours_problem_said(params["hours"], _)
    elif problem is P.WRONG_TYPE:
        kinds = {name: _(kind) if (kind := values.get(name, "?")) in KINDS else kind for name in ("expected", "got")}
        text = _(TEXTS[problem]) % kinds
    else:
        text = _(TEXTS[problem]) % _Defaulted(values)
    if AT in params:
        text = f"{params[AT]}: {text}"
    if COLUMN in params:
        text = _("column %(column)s: %(reason)s") % {"column": params[COLUMN], "reason": text}
    return text


class _Defaulted(dict[str, str]):
    """The values of a problem; one a sender left out reads ``?`` rather than failing."""

    def __missing__(self, key: str) -> str:
        return "?"


def say(reason: str, _: Gettext) -> str:
    """``reason`` (an ``Issue.reason``) in the language of ``_``: said from its code when it has
    one, else (a sentence already in the reader's language) as it is."""
    if isinstance(reason, Reason):
        return said(reason.code, reason.params, _) or reason
    return reason


def hours_problem_said(expression: str, _: Gettext) -> str:
    """Why an opening_hours string is refused, naming the rule and the place the parser stopped."""
    try:
        opening_hours.OpeningHours(expression)
    except Exception as exc:  # the library's ParserError is not in its stubs
        detail = str(exc)
    else:
        return _("these hours are not understood")
    at = re.search(r"-->\s*\d+:(\d+)", detail)
    column = int(at[1]) - 1 if at else 0
    start = expression.rfind(";", 0, column) + 1
    end = expression.find(";", column)
    rule = expression[start:end if end >= 0 else None].strip()
    near = expression[column:end if end >= 0 else None].strip()
    example = "Mo-Fr 11:00-22:00; Sa,Su 10:00-23:00"
    if "rule_separator" in detail and "unexpected" in detail:
        after = expression[column + 1:].split(";")[0].strip()
        return _("there is an empty rule between two “;” before “%(near)s”") % {"near": after}
    if "unexpected EOI" in detail or not near:
        return _("“%(rule)s” ends too early: write it like %(example)s") % {"rule": rule or expression,
                                                                             "example": example}
    if "wday" in detail:
        hint = _("a weekday: Mo Tu We Th Fr Sa Su")
    elif re.search(r"\b(minute|hour|extended_time|timespan|timespan_plus)\b", detail):
        hint = _("a time range such as 11:00-22:00")
    else:
        hint = _("days, then times, such as %(example)s") % {"example": example}
    return _("in “%(rule)s”, “%(near)s” is not understood: expected %(hint)s") % {
        "rule": rule, "near": near, "hint": hint}
