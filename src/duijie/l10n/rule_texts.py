"""The domain's rules said in the reader's language, keyed by the rule's stable code.

The domain refuses with a code (an :class:`~duijie.domain.errors.ErrorCode`, or the ``rule`` of an
order, booking, pool or job application error), an English message with the particulars, and
sometimes a parameter (a booking rule's ``limit``: the capacity 60, the closing time 22:00). It
does no I/O and knows no language; the edges (the command line, the pages) say the refusal here:
English readers get the domain's own message, which names the particulars; other languages get
the rule's sentence from the catalog (``locale/zh/web_rules.po``), with the limit when known.

A refusal that crossed the network keeps its rule only in its text: a pool's message starts with
``pool_closed: `` and a booking's or job application's ends with ``(rule: slot_taken)``;
:func:`refusal_said` reads it from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from duijie.domain.applications import ApplicationError, ApplicationRule
from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.order_errors import OrderRule
from duijie.domain.pools import PoolRule
from duijie.domain.reservation_rules import ReservationRule
from duijie.l10n.listing_reasons import N_

Gettext = Callable[[str], str]

RULE_ENUMS: tuple[type[StrEnum], ...] = (ErrorCode, OrderRule, ReservationRule, PoolRule, ApplicationRule)
"""Every enum of rule codes the domain refuses with (a test finds them in the domain and insists)."""

TEXTS: dict[str, str] = {
    # ErrorCode: the generic reasons of any DomainError
    ErrorCode.INVALID_MONEY: N_("the amount or its currency is not valid"),
    ErrorCode.CURRENCY_MISMATCH: N_("the amounts are in different currencies"),
    ErrorCode.UNKNOWN_TIME_ZONE: N_("the time zone is not known"),
    ErrorCode.INVALID_HOURS: N_("the opening hours are not understood"),
    ErrorCode.NAIVE_DATETIME: N_("a time must carry its time zone"),
    ErrorCode.NOT_FOUND: N_("not found"),
    ErrorCode.QUANTITY_BELOW_MINIMUM: N_("the quantity is below the first price tier"),
    ErrorCode.INVALID_VALUE: N_("a value is not valid"),
    # OrderRule
    OrderRule.EMPTY_CART: N_("the cart is empty"),
    OrderRule.INVALID_QUANTITY: N_("each quantity must be at least 1"),
    OrderRule.ITEM_NOT_FOUND: N_("an item is not on the menu"),
    OrderRule.ADD_ON_NOT_FOUND: N_("a chosen add-on does not exist"),
    OrderRule.ADD_ON_CHOICES: N_("a dish lacks a required choice, or has too many"),
    OrderRule.QUANTITY_UNAVAILABLE: N_("not that many are available"),
    OrderRule.ITEM_NOT_AVAILABLE_NOW: N_("an item is not served at that time"),
    OrderRule.LOCATION_NOT_FOUND: N_("there is no such location"),
    OrderRule.LOCATION_CLOSED: N_("the location is closed at that time"),
    OrderRule.FULFILLMENT_UNAVAILABLE: N_("choose a pickup location first"),
    OrderRule.ILLEGAL_TRANSITION: N_("this step is not possible in the current state"),
    OrderRule.CANCELLATION_NOT_POSSIBLE: N_("this order cannot be cancelled"),
    OrderRule.UPDATE_NOT_POSSIBLE: N_("this order cannot be changed"),
    OrderRule.RATING_NOT_ALLOWED: N_("this order cannot be rated"),
    OrderRule.INVALID_RATING: N_("a rating is 1 to 5"),
    # ReservationRule (ILLEGAL_TRANSITION shares the order's code and text)
    ReservationRule.PARTY_SIZE_INVALID: N_("the party size must be at least 1"),
    ReservationRule.PARTY_ABOVE_CAPACITY: N_("the party is larger than the room holds"),
    ReservationRule.PARTY_BELOW_MINIMUM: N_("the party is smaller than the room's minimum"),
    ReservationRule.MALFORMED_TIME: N_("the time is not understood"),
    ReservationRule.END_BEFORE_START: N_("the end must be after the start"),
    ReservationRule.IN_THE_PAST: N_("that time is in the past"),
    ReservationRule.LEAD_TIME: N_("that is too soon: book further ahead"),
    ReservationRule.SLOT_LENGTH: N_("the length is not a whole number of slots"),
    ReservationRule.CLOSED_AT_START: N_("the place is closed at that time"),
    ReservationRule.AFTER_CLOSING: N_("the booking ends after closing time"),
    ReservationRule.OUTSIDE_BOOKING_WINDOW: N_("the start is outside the booking hours"),
    ReservationRule.SLOT_TAKEN: N_("that time is already booked"),
    ReservationRule.RESOURCE_BLOCKED: N_("the room is not available at that time"),
    ReservationRule.RESOURCE_NOT_FOUND: N_("there is no such room"),
    ReservationRule.BOOKING_NOT_FOUND: N_("there is no such booking"),
    ReservationRule.NOT_THE_GUEST: N_("only the guest who booked may do this"),
    # PoolRule
    PoolRule.POOL_CLOSED: N_("the pool is closed"),
    PoolRule.BEYOND_MAXIMUM: N_("the pledge would pass the pool's maximum"),
    PoolRule.QUANTITY_NOT_POSITIVE: N_("the quantity must be more than 0"),
    PoolRule.QUANTITY_NOT_DIVISIBLE: N_("this unit is pledged in whole units (others in at most 3 decimals)"),
    PoolRule.TERMS_FROZEN: N_("the terms cannot change after pledges without every buyer's consent"),
    PoolRule.NOT_THE_PLEDGER: N_("only the buyer who pledged may do this"),
    PoolRule.PLEDGE_NOT_FOUND: N_("there is no such pledge"),
    PoolRule.POOL_NOT_FOUND: N_("there is no such pool"),
    PoolRule.INVALID_TERMS: N_("the pool's terms are not valid"),
    PoolRule.NOT_DUE: N_("the pool's deadline has not come yet"),
    PoolRule.TERMS_NOT_VERIFIED: N_("the producer's signed terms could not be verified"),
    PoolRule.NO_PROPOSAL: N_("there is no such proposal of new terms"),
    # ApplicationRule
    ApplicationRule.NO_SUCH_POSTING: N_("there is no such job posting"),
    ApplicationRule.NO_OPENINGS: N_("the job has no openings left"),
    ApplicationRule.APPLICANT: N_("the applicant's details are incomplete or not valid"),
    ApplicationRule.NOT_FORWARD: N_("an application only moves forward, or to rejected"),
    ApplicationRule.CLOSED: N_("the application is closed"),
    ApplicationRule.NOT_APPLICANT: N_("only the applicant may do this"),
}
"""The rule's sentence for each code (English source text; a code of two enums has one text)."""

WITH_LIMIT: dict[str, str] = {
    ReservationRule.PARTY_ABOVE_CAPACITY: N_("the party is larger than the room holds (at most %(limit)s guests)"),
    ReservationRule.PARTY_BELOW_MINIMUM: N_("the party is smaller than the room's minimum (at least %(limit)s "
                                            "guests)"),
    ReservationRule.CLOSED_AT_START: N_("the place is closed at that time (it opens at %(limit)s)"),
    ReservationRule.AFTER_CLOSING: N_("the booking ends after closing time (%(limit)s)"),
    ReservationRule.OUTSIDE_BOOKING_WINDOW: N_("the start is outside the booking hours (%(limit)s)"),
}
"""The sentence naming the rule's limit, for the rules whose limit is a number or a time."""

_LIMIT_IN_MESSAGE: dict[str, re.Pattern[str]] = {
    ReservationRule.PARTY_ABOVE_CAPACITY: re.compile(r"holds at most (\d+) guests"),
    ReservationRule.PARTY_BELOW_MINIMUM: re.compile(r"for at least (\d+) guests"),
    ReservationRule.AFTER_CLOSING: re.compile(r"closes at (\d\d:\d\d)"),
    ReservationRule.OUTSIDE_BOOKING_WINDOW: re.compile(r"slots start between (\d\d:\d\d.\d\d:\d\d)"),
}
"""Where a booking refusal that crossed the network (its limit lost) names the limit in its text."""

_PREFIXED = frozenset(PoolRule)
"""The rules whose error puts the code before the message (``PoolError``): a field name before a
colon (``state: unknown 'x'``) is not taken for a rule."""
_PREFIX = re.compile(r"^(?P<rule>[a-z_]+): (?P<rest>.*)$", re.DOTALL)
_SUFFIX = re.compile(r"^(?P<rest>.*) \(rule: (?P<rule>[a-z_]+)\)$", re.DOTALL)


def said(code: str, english: str, _: Gettext, limit: str | None = None) -> str:
    """The refusal by rule ``code`` in the language of ``_``: ``english`` (the domain's message)
    when that language is English or the code is unknown, else the rule's sentence."""
    source = TEXTS.get(code)
    if source is None:
        return english
    if limit and code in WITH_LIMIT:
        text = _(WITH_LIMIT[code])
        return english if text == WITH_LIMIT[code] else text % {"limit": limit}
    text = _(source)
    return english if text == source else text


def error_said(exc: DomainError | ApplicationError, _: Gettext) -> str:
    """A domain error raised in this process, said by its rule (and limit, for a booking rule)."""
    rule = getattr(exc, "rule", None)
    code = str(rule.value if isinstance(rule, StrEnum) else exc.code.value if isinstance(exc, DomainError) else "")
    english = exc.message
    prefixed = _PREFIX.fullmatch(english)
    if prefixed and prefixed["rule"] == code:  # a PoolError's message starts with its rule
        english = prefixed["rest"]
    violation = getattr(exc, "violation", None)
    return said(code, english, _, getattr(violation, "limit", None))


def refusal_rule(message: str) -> tuple[str, str] | None:
    """The rule a refusal's text names, this table knows (``pool_closed: …``, ``… (rule: slot_taken)``),
    and the seller's words without the marker; None when it names none."""
    for pattern, known in ((_SUFFIX, TEXTS), (_PREFIX, _PREFIXED)):
        found = pattern.fullmatch(message.strip())
        if found and found["rule"] in known:
            return found["rule"], found["rest"]
    return None


def refusal_said(message: str, _: Gettext) -> str | None:
    """A refusal's text that names its rule (``pool_closed: …``, ``… (rule: slot_taken)``) said in
    the language of ``_`` (in English: the text without the rule's marker, which is for programs);
    None when the text names no rule this table knows."""
    named = refusal_rule(message)
    if named is None:
        return None
    rule, rest = named
    limit = _LIMIT_IN_MESSAGE[rule].search(rest) if rule in _LIMIT_IN_MESSAGE else None
    return said(rule, rest, _, limit[1] if limit else None)
