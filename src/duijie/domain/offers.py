"""Producer offers: wholesale goods priced in tiers by quantity, sold in batches (云拼)."""

from __future__ import annotations

from dataclasses import dataclass

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.money import Money
from duijie.domain.provenance import Origin
from duijie.domain.text import LocalText


@dataclass(frozen=True, slots=True)
class PriceTier:
    """From ``min_quantity`` units upward, each unit costs ``unit_price``."""

    min_quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class ProducerOffer:
    """A producer's standing offer (apples by the kg, noodles by the case).

    Rules (``problems``): at least one tier; tiers strictly ascending by min_quantity; one
    currency; no negative price; the price per unit never rises as quantity grows (a buyer
    who orders more must never pay more per unit); minimum_batch >= 1. Pools close only
    when their pledged total reaches ``minimum_batch``.
    """

    id: str
    name: LocalText
    unit: str
    tiers: tuple[PriceTier, ...]
    minimum_batch: int = 1
    location_id: str | None = None
    description: LocalText | None = None
    category: str | None = None
    origin: Origin | None = None  # where the goods come from (源头直供), as the producer states it
    source: str | None = None  # a relisting: the producer's signed offer (JSON text), see protocol.provenance

    def problems(self) -> list[tuple[str, Reason]]:
        """(relative path, reason) for every broken rule; empty when the offer is sound."""
        out: list[tuple[str, Reason]] = []
        if not self.tiers:
            out.append(("tiers", Reason(P.TIER_REQUIRED)))
        if self.minimum_batch < 1:
            out.append(("minimum_batch", Reason(P.AT_LEAST_ONE)))
        if not self.unit.strip():
            out.append(("unit", Reason(P.EMPTY)))
        if self.origin is not None:
            out.extend((f"origin.{path}", reason) for path, reason in self.origin.problems())
        for i, tier in enumerate(self.tiers):
            here = f"tiers[{i}]"
            if tier.min_quantity < 1:
                out.append((f"{here}.min_quantity", Reason(P.AT_LEAST_ONE)))
            if tier.unit_price.is_negative:
                out.append((f"{here}.unit_price", Reason(P.TIER_PRICE_NEGATIVE)))
            if i == 0:
                continue
            prev = self.tiers[i - 1]
            if tier.min_quantity <= prev.min_quantity:
                out.append((f"{here}.min_quantity", Reason(P.TIERS_NOT_ASCENDING)))
            if tier.unit_price.currency != prev.unit_price.currency:
                out.append((f"{here}.unit_price", Reason(P.TIERS_MIXED_CURRENCY)))
            elif tier.unit_price.amount > prev.unit_price.amount:
                out.append((
                    f"{here}.unit_price",
                    Reason(P.PRICE_RISES, price_before=prev.unit_price, quantity_before=prev.min_quantity,
                           price=tier.unit_price, quantity=tier.min_quantity),
                ))
        return out

    def tier_for(self, quantity: int) -> PriceTier:
        """The tier that applies to ``quantity`` (the one with the largest min_quantity <= it)."""
        chosen: PriceTier | None = None
        for tier in self.tiers:
            if tier.min_quantity <= quantity:
                chosen = tier
        if chosen is None:
            first = self.tiers[0].min_quantity if self.tiers else 1
            raise DomainError(
                ErrorCode.QUANTITY_BELOW_MINIMUM, f"quantity {quantity} is below the first tier ({first})"
            )
        return chosen

    def price_for(self, quantity: int) -> Money:
        """Unit price for an order (or pool total) of ``quantity`` units."""
        return self.tier_for(quantity).unit_price

    def total_for(self, quantity: int) -> Money:
        """Total price for ``quantity`` units at the tier that quantity reaches."""
        return self.price_for(quantity) * quantity
