"""The problems of a listing said in the reader's language, and a bad opening_hours part named.

The domain and the importers report each problem as an English sentence (``Issue.reason``)
whose shape is fixed by the code that makes it; the pages (the listing editor) and the command
line (``menu import``, a node's refusal) show it in their reader's language. Each known shape is
matched here and said again from the catalog (the Chinese is in ``locale/zh/web_listing.po``);
a reason no pattern knows is shown as it is (English) rather than hidden.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

import opening_hours

Gettext = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention: marks a message for extraction
    """Mark ``message`` for translation without translating it here."""
    return message


_QUOTED = r"(?P<q>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
"""A Python repr of a string, as the importers write the value they refused (``{value!r}``)."""

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"needs zh or en text", N_("needs a Chinese or an English text")),
    (r"id must not be empty", N_("the id must not be empty")),
    (r"duplicate id " + _QUOTED, N_("the id %(q)s is already used")),
    (r"duplicate item id " + _QUOTED, N_("the item id %(q)s is already used")),
    (r"unknown section " + _QUOTED, N_("there is no section %(q)s")),
    (r"unknown location " + _QUOTED, N_("there is no location %(q)s")),
    (r"must not be negative \(got (?P<v>[^)]*)\)", N_("must not be negative (got %(v)s)")),
    (r"must not be negative \(omit it for unlimited\)", N_("must not be negative (leave it empty for unlimited)")),
    (r"must not be negative", N_("must not be negative")),
    (r"must be at least 1", N_("must be at least 1")),
    (r"must be at least 1 minute", N_("must be at least 1 minute")),
    (r"(?P<a>\d+) exceeds capacity (?P<b>\d+)", N_("%(a)s is more than the capacity %(b)s")),
    (r"must be >= min_choices", N_("must be at least the minimum number of choices")),
    (r"exceeds the (?P<n>\d+) options", N_("is more than the %(n)s options there are")),
    (r"currency differs from the item price", N_("must be in the currency of the item's price")),
    (r"the menu is priced in (?P<a>\w+); one currency per listing, got (?P<b>\w+)",
     N_("the menu is priced in %(a)s: one currency per listing, not %(b)s")),
    (r"one currency per listing: this menu is priced in (?P<a>\w+), not (?P<b>\w+)",
     N_("the menu is priced in %(a)s: one currency per listing, not %(b)s")),
    (r"currency must be an ISO 4217 code such as USD or CNY, got " + _QUOTED,
     N_("%(q)s is not a currency code: use an ISO 4217 code such as USD or CNY")),
    (r"amount must be a decimal string, got " + _QUOTED, N_("%(q)s is not an amount such as 12.50")),
    (r"opening hours must not be empty", N_("the hours must not be empty")),
    (r"missing required field", N_("is required")),
    (r"unknown field", N_("is not a field of the format")),
    (r"expected (?P<a>an? \w+), got (?P<b>an? \w+|null)", N_("expected %(a)s, got %(b)s")),
    (r"unknown value " + _QUOTED, N_("%(q)s is not one of the allowed values")),
    (r"must be 0\.\.4", N_("must be 0 to 4")),
    (r"expected HH:MM, got " + _QUOTED, N_("%(q)s is not a time such as 18:00")),
    (r"closes \((?P<a>[\d:]+)\) must be after opens \((?P<b>[\d:]+)\)",
     N_("closes (%(a)s) must be after opens (%(b)s)")),
    (r"latitude (?P<v>\S+) outside -90\.\.90", N_("latitude %(v)s is outside -90 to 90")),
    (r"longitude (?P<v>\S+) outside -180\.\.180", N_("longitude %(v)s is outside -180 to 180")),
    (r"unknown IANA time zone " + _QUOTED, N_("%(q)s is not a time zone such as America/New_York")),
    (r"unsupported format (?P<a>.+), expected (?P<b>.+)", N_("the format %(a)s is not %(b)s")),
    (r"not JSON: (?P<m>.+) at line (?P<line>\d+) column (?P<col>\d+)",
     N_("not JSON: %(m)s at line %(line)s, column %(col)s")),
    # The menu CSV's own reasons (each follows "column X: ").
    (r"expected a whole number, got " + _QUOTED, N_("%(q)s is not a whole number")),
    (r"(?P<v>-?\d+) is outside (?P<lo>-?\d+)\.\.(?P<hi>-?\d*)", N_("%(v)s is outside %(lo)s to %(hi)s")),
    (r"unknown diet tag " + _QUOTED, N_("%(q)s is not a diet tag")),
    (r"section " + _QUOTED + r" has different names on an earlier line",
     N_("the section %(q)s has other names on an earlier line")),
    (r"section needs a zh or en name", N_("the section needs a Chinese or an English name")),
    (r"item needs a zh or en name", N_("the item needs a Chinese or an English name")),
    (r"expected (?P<a>\d+) columns, got (?P<b>\d+)", N_("expected %(a)s columns, got %(b)s")),
    (r"expected (?P<cols>[\w,]+)", N_("the first line must be the columns %(cols)s")),
    (r"group (?P<q>.+) is not 'ID\[MIN-MAX\] 中文/English: options'",
     N_("the add-on group %(q)s is not written as ID[MIN-MAX] 中文/English: options")),
    (r"option (?P<q>.+) is not 'ID 中文/English PRICE'",
     N_("the option %(q)s is not written as ID 中文/English PRICE")),
))

_COLUMN = re.compile(r"column (?P<column>[\w*]+): (?P<rest>.*)", re.DOTALL)
_HOURS = re.compile(r"unparsable opening_hours(?: string)? " + _QUOTED)


def say(reason: str, _: Gettext) -> str:
    """``reason`` (an ``Issue.reason``) in the language of ``_``."""
    column = _COLUMN.fullmatch(reason)
    if column:
        return _("column %(column)s: %(reason)s") % {"column": column["column"], "reason": say(column["rest"], _)}
    hours = _HOURS.fullmatch(reason)
    if hours:
        return hours_problem_said(ast.literal_eval(hours["q"]), _)
    for pattern, message in _RULES:
        match = pattern.fullmatch(reason)
        if match:
            return _(message) % match.groupdict()
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
