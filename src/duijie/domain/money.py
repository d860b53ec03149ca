"""Money: a Decimal amount in an ISO 4217 currency. Never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from duijie.domain.currencies import is_currency
from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason

_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
"""The wire form of an amount: digits, an optional fraction, an optional minus (no exponent)."""

@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount of one currency.

    Rules: the amount is a finite ``Decimal`` (floats are refused because binary fractions
    cannot represent cents exactly); the currency is an ISO 4217 code in circulation (``RMB`` is
    refused: the yuan's code is CNY).
    Negative amounts are representable (refunds, discounts); whether a negative amount is
    allowed is decided where it is used (a price may not be negative, see ``Listing.validate``).
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or isinstance(self.amount, bool):
            raise DomainError(ErrorCode.INVALID_MONEY, f"amount must be a Decimal, not {type(self.amount)}")
        if not self.amount.is_finite():
            raise DomainError(ErrorCode.INVALID_MONEY, "amount must be finite")
        if not isinstance(self.currency, str) or not is_currency(self.currency):
            raise DomainError(
                ErrorCode.INVALID_MONEY, Reason(P.NOT_A_CURRENCY, currency=self.currency)
            )

    @classmethod
    def parse(cls, amount: str, currency: str) -> Money:
        """Build from a decimal string such as ``"12.50"`` (the wire form)."""
        if not isinstance(amount, str) or not _DECIMAL.fullmatch(text := amount.strip()):
            raise DomainError(ErrorCode.INVALID_MONEY, Reason(P.NOT_AN_AMOUNT, amount=amount))
        try:
            value = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
            raise DomainError(ErrorCode.INVALID_MONEY, str(exc)) from exc
        return cls(value, currency)

    @property
    def is_negative(self) -> bool:
        """True when the amount is below zero."""
        return self.amount < 0

    def to_wire(self) -> str:
        """The decimal string written on the wire; keeps the merchant's scale ("12.50")."""
        return format(self.amount, "f")

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise DomainError(ErrorCode.CURRENCY_MISMATCH, f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise DomainError(ErrorCode.INVALID_MONEY, "cannot multiply money by a float")
        return Money(self.amount * factor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.to_wire()} {self.currency}"
