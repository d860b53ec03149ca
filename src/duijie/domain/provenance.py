"""源头直供 source-direct supply: where an offer's goods come from, and what a relisting adds.

A producer states the **origin** of an offer (place of origin, harvest date or batch) and signs
it; the signing is the protocol's (:mod:`duijie.protocol.provenance`). Anyone may **relist** the
offer (an organizer, a shop, a storyteller channel) at its own prices, embedding the producer's
signed offer; a buyer then sees the producer's price next to the relisted one and the markup.

The domain holds the rules that need no key: what a sound origin is, which relisting is
consistent with the offer it embeds, and the markups. Whether a signature holds is decided
above; :class:`ProvenanceStatus` names the outcome shown to buyers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from duijie.domain.listing_problems import ListingProblem as P
from duijie.domain.listing_problems import Reason
from duijie.domain.money import Money
from duijie.domain.text import LocalText

if TYPE_CHECKING:
    from duijie.domain.offers import ProducerOffer


class ProvenanceStatus(StrEnum):
    """What a buyer is shown about where an offer comes from.

    SOURCE_DIRECT: the seller is the producer and states the origin in its own signed catalog.
    RELISTED: someone else sells it, and the chain back to the producer's signed offer holds.
    UNVERIFIED: an origin is claimed that cannot be proved (never shown as source-direct).
    """

    SOURCE_DIRECT = "source-direct"
    RELISTED = "relisted"
    UNVERIFIED = "unverified"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where and when the goods were made: the place of origin and a harvest date or batch."""

    place: LocalText
    harvest_date: date | None = None
    batch: str | None = None

    def problems(self, today: date | None = None) -> list[tuple[str, Reason]]:
        """Rules: a place is named; a harvest date or a batch is given; a harvest date is not
        after ``today`` (when the caller passes it: the domain reads no clock)."""
        out: list[tuple[str, Reason]] = []
        if not (self.place.zh or "").strip() and not (self.place.en or "").strip():
            out.append(("place", Reason(P.ORIGIN_PLACE_MISSING)))
        if self.harvest_date is None and not (self.batch or "").strip():
            out.append(("harvest_date", Reason(P.ORIGIN_DATE_OR_BATCH)))
        if self.harvest_date is not None and today is not None and self.harvest_date > today:
            out.append(("harvest_date", Reason(P.HARVEST_IN_FUTURE, date=self.harvest_date.isoformat())))
        return out


@dataclass(frozen=True, slots=True)
class Markup:
    """At ``quantity`` units: the producer's unit price, the relisted one, and the difference."""

    quantity: int
    producer_price: Money
    relisted_price: Money

    @property
    def amount(self) -> Money:
        """Relisted minus producer's price per unit (negative when sold below the producer's)."""
        return self.relisted_price - self.producer_price

    @property
    def percent(self) -> Decimal:
        """The markup as a percentage of the producer's price, to one decimal place."""
        if self.producer_price.amount == 0:
            return Decimal(0)
        ratio = self.amount.amount / self.producer_price.amount * 100
        return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def relisting_problems(producer: ProducerOffer, relisted: ProducerOffer) -> list[tuple[str, str]]:
    """Rules for a relisting to stand on the offer it embeds: the same unit (a case stays a
    case), the same currency (so the markup means something), and, when the relisting states an
    origin, exactly the producer's (a relister cannot move the orchard)."""
    out: list[tuple[str, str]] = []
    if relisted.unit.strip().lower() != producer.unit.strip().lower():
        out.append(("unit", f"the relisting sells by {relisted.unit!r}, the producer's offer by {producer.unit!r}"))
    if producer.tiers and relisted.tiers:
        theirs, ours = producer.tiers[0].unit_price.currency, relisted.tiers[0].unit_price.currency
        if theirs != ours:
            out.append(("tiers", f"the relisting is priced in {ours}, the producer's offer in {theirs}"))
    if producer.origin is None:
        out.append(("origin", "the producer's signed offer states no origin"))
    elif relisted.origin is not None and relisted.origin != producer.origin:
        out.append(("origin", "the relisting claims another origin than the producer's signed offer"))
    return out


def markups(producer: ProducerOffer, relisted: ProducerOffer) -> tuple[Markup, ...]:
    """The markup at each tier threshold of either offer that both price (same currency only):
    a buyer compares like for like, quantity by quantity."""
    if not producer.tiers or not relisted.tiers:
        return ()
    if producer.tiers[0].unit_price.currency != relisted.tiers[0].unit_price.currency:
        return ()
    start = max(producer.tiers[0].min_quantity, relisted.tiers[0].min_quantity)
    points = sorted({t.min_quantity for t in (*producer.tiers, *relisted.tiers)} | {start})
    return tuple(Markup(q, producer.price_for(q), relisted.price_for(q)) for q in points if q >= start)
