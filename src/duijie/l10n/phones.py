"""Phone numbers shown the way people dial them, with a ``tel:`` link that works from anywhere.

A number is kept as it was entered (the domain checks only its characters); for display it is
parsed with Google's libphonenumber (``phonenumbers``): a number of the place's own country is
written in national format (``(202) 636-3588``), any other in international format
(``+86 10 1234 5678``), and the link is E.164 (``tel:+12026363588``). A number the library cannot
read is shown as entered, its link without spaces, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


@dataclass(frozen=True, slots=True)
class ShownPhone:
    """A phone number as shown (``text``) and as linked (``href``, a ``tel:`` URI)."""

    text: str
    href: str


def shown_phone(number: str, region: str | None = None) -> ShownPhone:
    """``number`` for display; ``region`` (ISO 3166-1 alpha-2, the place's country) reads numbers
    written without a country code and decides which numbers are national."""
    try:
        parsed = phonenumbers.parse(number, region.upper() if region else None)
    except NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        return ShownPhone(number, "tel:" + "".join(number.split()))
    home = region is not None and phonenumbers.region_code_for_number(parsed) == region.upper()
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return ShownPhone(phonenumbers.format_number(parsed, style),
                      "tel:" + phonenumbers.format_number(parsed, PhoneNumberFormat.E164))
