"""How a successful pool's batch is shared out: every pledge in full, at one unit price.

Rounding rule (documented here because buyers are charged by it): quantities are never
rounded, every member receives exactly what it pledged, so the allocations sum to the batch.
Money is rounded once, on the batch: ``batch_total = unit_price × total quantity`` rounded
half-up to the currency's minor unit (cents; yen and won have none; the dinars three). Each
member's line is ``unit_price × quantity`` rounded *down* to the minor unit, and the cents those
roundings left over are handed out one each to the members with the largest cut-off remainders
(ties: the earlier pledge first). So the members' totals always sum to the batch total exactly,
no member pays more than a cent above its exact share, and the result does not depend on the
order rows were read in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Protocol

from duijie.domain.money import Money

ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                          "VND", "VUV", "XAF", "XOF", "XPF"})
THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` a charge is rounded to (0.01 for USD and CNY)."""
    if currency in ZERO_DECIMAL:
        return Decimal(1)
    if currency in THREE_DECIMAL:
        return Decimal("0.001")
    return Decimal("0.01")


class PledgeLike(Protocol):
    """What allocation reads of a pledge."""

    @property
    def id(self) -> str: ...

    @property
    def buyer_id(self) -> str: ...

    @property
    def quantity(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class Allocation:
    """One member's share of a successful pool: its whole pledge at the pool's unit price."""

    pledge_id: str
    buyer_id: str
    quantity: Decimal
    unit_price: Money
    total: Money


def allocate(pledges: Sequence[PledgeLike], unit_price: Money) -> tuple[Money, tuple[Allocation, ...]]:
    """The batch total and one allocation per pledge (in pledge order), by the rule above."""
    step = minor_unit(unit_price.currency)
    quantity = sum((p.quantity for p in pledges), Decimal(0))
    batch = (unit_price.amount * quantity).quantize(step, rounding=ROUND_HALF_UP)
    exact = [unit_price.amount * p.quantity for p in pledges]
    floors = [e.quantize(step, rounding=ROUND_DOWN) for e in exact]
    leftover = int((batch - sum(floors, Decimal(0))) / step)
    # Largest remainder first; the earlier pledge wins a tie (sorted is stable).
    order = sorted(range(len(pledges)), key=lambda i: exact[i] - floors[i], reverse=True)
    shares = list(floors)
    for i in order[:max(leftover, 0)]:
        shares[i] += step
    allocations = tuple(
        Allocation(p.id, p.buyer_id, p.quantity, unit_price, Money(shares[i], unit_price.currency))
        for i, p in enumerate(pledges)
    )
    return Money(batch, unit_price.currency), allocations
