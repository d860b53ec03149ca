"""The problems a listing (or a document or CSV read into one) can have, each with a stable code.

A validator or importer reports a problem as a :class:`Reason`: an English sentence (the
``Issue.reason`` every reader of a problem has always had) that also keeps the problem's code
(a :class:`ListingProblem`) and the values the sentence names (``params``). The edges say the
problem in their reader's language from the code and the values (``l10n.listing_reasons``),
never by reading the English; a client of the JSON API gets the code and values beside it.

The English of each code is fixed here (:data:`ENGLISH`, ``str.format`` templates: a value
written ``{name!r}`` is quoted the way Python quotes a string).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class ListingProblem(StrEnum):
    """Why a part of a listing is refused (the code of a :class:`Reason`)."""

    # Any document part
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_VALUE = "unknown_value"
    NOT_JSON = "not_json"
    UNSUPPORTED_FORMAT = "unsupported_format"
    # Ids and names
    ID_EMPTY = "id_empty"
    PROVIDER_ID_CHANGED = "provider_id_changed"
    EMPTY = "empty"
    DUPLICATE_ID = "duplicate_id"
    TEXT_MISSING = "text_missing"
    # Numbers and money
    NEGATIVE = "negative"
    NEGATIVE_PRICE = "negative_price"
    NEGATIVE_STOCK = "negative_stock"
    AT_LEAST_ONE = "at_least_one"
    AT_LEAST_ONE_MINUTE = "at_least_one_minute"
    NOT_A_CURRENCY = "not_a_currency"
    NOT_AN_AMOUNT = "not_an_amount"
    NOT_A_DECIMAL = "not_a_decimal"
    DECIMAL_EXPECTED = "decimal_expected"
    NOT_FINITE = "not_finite"
    MENU_CURRENCY = "menu_currency"
    MENU_CURRENCY_ROW = "menu_currency_row"
    OPTION_CURRENCY = "option_currency"
    SPICE_RANGE = "spice_range"
    # References
    UNKNOWN_SECTION = "unknown_section"
    UNKNOWN_LOCATION = "unknown_location"
    LOCATION_REQUIRED = "location_required"
    # Add-on groups
    MAX_BELOW_MIN = "max_below_min"
    MAX_ABOVE_OPTIONS = "max_above_options"
    # Places, hours and times
    UNKNOWN_TIME_ZONE = "unknown_time_zone"
    HOURS_EMPTY = "hours_empty"
    HOURS_UNPARSABLE = "hours_unparsable"
    NOT_HH_MM = "not_hh_mm"
    CLOSES_BEFORE_OPENS = "closes_before_opens"
    LATITUDE_RANGE = "latitude_range"
    LONGITUDE_RANGE = "longitude_range"
    # Rooms
    MIN_PARTY_ABOVE_CAPACITY = "min_party_above_capacity"
    # Offers and their origin
    TIER_REQUIRED = "tier_required"
    TIER_PRICE_NEGATIVE = "tier_price_negative"
    TIERS_NOT_ASCENDING = "tiers_not_ascending"
    TIERS_MIXED_CURRENCY = "tiers_mixed_currency"
    PRICE_RISES = "price_rises"
    ORIGIN_PLACE_MISSING = "origin_place_missing"
    ORIGIN_DATE_OR_BATCH = "origin_date_or_batch"
    HARVEST_IN_FUTURE = "harvest_in_future"
    NOT_A_DATE = "not_a_date"
    NOT_SIGNED_OFFER = "not_signed_offer"
    NOT_A_JSON_PATH = "not_a_json_path"
    # Pool terms
    NOT_A_DATETIME = "not_a_datetime"
    NO_UTC_OFFSET = "no_utc_offset"
    NOT_STRINGS = "not_strings"
    POOL_TERMS_INCOMPLETE = "pool_terms_incomplete"
    # The menu CSV
    CSV_HEADER = "csv_header"
    CSV_COLUMN_COUNT = "csv_column_count"
    NOT_WHOLE_NUMBER = "not_whole_number"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_DIET_TAG = "unknown_diet_tag"
    SECTION_NAMES_DIFFER = "section_names_differ"
    SECTION_NAME_MISSING = "section_name_missing"
    ITEM_NAME_MISSING = "item_name_missing"
    DUPLICATE_ITEM_ID = "duplicate_item_id"
    ADD_ON_GROUP_FORMAT = "add_on_group_format"
    ADD_ON_OPTION_FORMAT = "add_on_option_format"


P = ListingProblem

ENGLISH: dict[ListingProblem, str] = {
    P.MISSING_FIELD: "missing required field",
    P.UNKNOWN_FIELD: "unknown field",
    P.WRONG_TYPE: "expected {expected}, got {got}",
    P.UNKNOWN_VALUE: "unknown value {value!r}",
    P.NOT_JSON: "not JSON: {message} at line {line} column {column}",
    P.UNSUPPORTED_FORMAT: "unsupported format {got!r}, expected {expected!r}",
    P.ID_EMPTY: "id must not be empty",
    P.PROVIDER_ID_CHANGED: "an edit may not change the provider's id {id!r}",
    P.EMPTY: "must not be empty",
    P.DUPLICATE_ID: "duplicate id {id!r}",
    P.TEXT_MISSING: "needs zh or en text",
    P.NEGATIVE: "must not be negative",
    P.NEGATIVE_PRICE: "must not be negative (got {amount})",
    P.NEGATIVE_STOCK: "must not be negative (omit it for unlimited)",
    P.AT_LEAST_ONE: "must be at least 1",
    P.AT_LEAST_ONE_MINUTE: "must be at least 1 minute",
    P.NOT_A_CURRENCY: "currency must be an ISO 4217 code such as USD or CNY, got {currency!r}",
    P.NOT_AN_AMOUNT: "amount must be a decimal string, got {amount!r}",
    P.NOT_A_DECIMAL: "not a decimal number: {value!r}",
    P.DECIMAL_EXPECTED: "expected a decimal string such as \"12.5\"",
    P.NOT_FINITE: "must be a finite number",
    P.MENU_CURRENCY: "the menu is priced in {menu}; one currency per listing, got {got}",
    P.MENU_CURRENCY_ROW: "one currency per listing: this menu is priced in {menu}, not {got}",
    P.OPTION_CURRENCY: "currency differs from the item price",
    P.SPICE_RANGE: "must be 0..4",
    P.UNKNOWN_SECTION: "unknown section {section!r}",
    P.UNKNOWN_LOCATION: "unknown location {location!r}",
    P.LOCATION_REQUIRED: "at least one location is required",
    P.MAX_BELOW_MIN: "must be >= min_choices",
    P.MAX_ABOVE_OPTIONS: "exceeds the {options} options",
    P.UNKNOWN_TIME_ZONE: "unknown IANA time zone {zone!r}",
    P.HOURS_EMPTY: "opening hours must not be empty",
    P.HOURS_UNPARSABLE: "unparsable opening_hours string {hours!r}",
    P.NOT_HH_MM: "expected HH:MM, got {value!r}",
    P.CLOSES_BEFORE_OPENS: "closes ({closes}) must be after opens ({opens})",
    P.LATITUDE_RANGE: "latitude {lat} outside -90..90",
    P.LONGITUDE_RANGE: "longitude {lon} outside -180..180",
    P.MIN_PARTY_ABOVE_CAPACITY: "{min_party} exceeds capacity {capacity}",
    P.TIER_REQUIRED: "at least one price tier is required",
    P.TIER_PRICE_NEGATIVE: "price must not be negative",
    P.TIERS_NOT_ASCENDING: "tiers must be in strictly ascending min_quantity",
    P.TIERS_MIXED_CURRENCY: "all tiers must use one currency",
    P.PRICE_RISES: "price rises with quantity ({price_before} at {quantity_before}, {price} at {quantity})",
    P.ORIGIN_PLACE_MISSING: "the place of origin must be named",
    P.ORIGIN_DATE_OR_BATCH: "a harvest date or a batch is required",
    P.HARVEST_IN_FUTURE: "{date} is in the future",
    P.NOT_A_DATE: "{value!r} is not a date (YYYY-MM-DD)",
    P.NOT_SIGNED_OFFER: "must be the producer's signed offer (a JSON object)",
    P.NOT_A_JSON_PATH: "must be a JSON path starting with $",
    P.NOT_A_DATETIME: "expected an ISO 8601 date-time with its offset",
    P.NO_UTC_OFFSET: "must carry a UTC offset",
    P.NOT_STRINGS: "expected a list of strings",
    P.POOL_TERMS_INCOMPLETE: "incomplete pool terms",
    P.CSV_HEADER: "expected {columns}",
    P.CSV_COLUMN_COUNT: "expected {expected} columns, got {got}",
    P.NOT_WHOLE_NUMBER: "expected a whole number, got {value!r}",
    P.OUT_OF_RANGE: "{value} is outside {low}..{high}",
    P.UNKNOWN_DIET_TAG: "unknown diet tag {tag!r}",
    P.SECTION_NAMES_DIFFER: "section {section!r} has different names on an earlier line",
    P.SECTION_NAME_MISSING: "section needs a zh or en name",
    P.ITEM_NAME_MISSING: "item needs a zh or en name",
    P.DUPLICATE_ITEM_ID: "duplicate item id {id!r}",
    P.ADD_ON_GROUP_FORMAT: "group {group!r} is not 'ID[MIN-MAX] 中文/English: options'",
    P.ADD_ON_OPTION_FORMAT: "option {option!r} is not 'ID 中文/English PRICE'",
}
"""The English sentence of each code (what ``Issue.reason`` reads)."""

AT = "at"
"""The parameter naming the part of a cell a problem is in (an add-on group of a CSV row)."""
COLUMN = "column"
"""The parameter naming the CSV column a problem is in."""


class Reason(str):
    """A problem's English sentence that keeps its ``code`` and ``params`` (each value as text).

    It is a ``str``, so every reader of ``Issue.reason`` reads the same sentence as before; the
    sentence is written from the code once, when the problem is found (never on the happy path).
    """

    code: ListingProblem
    params: Mapping[str, str]

    def __new__(cls, code: ListingProblem, **params: Any) -> Reason:
        english = ENGLISH[code]
        made = super().__new__(cls, english.format_map(params) if params else english)
        made.code = code
        for name, value in params.items():
            if not isinstance(value, str):
                params[name] = str(value)
        made.params = params
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return _restored, (str(self), self.code, dict(self.params))

    @staticmethod
    def of(reason: str) -> Reason:
        """``reason`` as the Reason it was made as (a listing rule's reasons all carry a code)."""
        if not isinstance(reason, Reason):
            raise TypeError(f"a listing problem made without a code: {reason!r}")
        return reason

    def at(self, part: str) -> Reason:
        """The same problem found in ``part`` of a cell (``option_groups[0].max_choices: …``)."""
        return _restored(f"{part}: {self}", self.code, {**self.params, AT: part})

    def in_column(self, column: str) -> Reason:
        """The same problem found in the CSV column ``column`` (``column price: …``); after
        :meth:`at` when both apply."""
        return _restored(f"column {column}: {self}", self.code, {**self.params, COLUMN: column})


def _restored(text: str, code: ListingProblem, params: dict[str, str]) -> Reason:
    made = str.__new__(Reason, text)
    made.code = code
    made.params = params
    return made


def code_of(reason: str) -> ListingProblem | None:
    """The code ``reason`` was made with, or None for a sentence made without one."""
    return reason.code if isinstance(reason, Reason) else None
