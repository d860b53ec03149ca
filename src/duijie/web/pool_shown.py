"""A pool as its page shows it, read either here (the organizer's node) or from the organizer's
``on_search`` item (a buyer's node), into one shape the templates use.

The organizer's node reads the pool itself (:class:`~duijie.services.trade.pool.ports.StoredPool`);
a buyer's node reads what every node may read of a pool: the item's ``duijie.pool`` and
``duijie.pool.tiers`` tags (docs/POOLS.md §2). Quantities and prices stay ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.text import LocalText
from duijie.services.trade.pool.ports import StoredPool

POOL_NAME_PREFIX = "云拼 Pool: "


def _dec(text: Any) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def tag_values(item: dict[str, Any], code: str) -> dict[str, str]:
    """The entries of the tag group ``code`` of a Beckn item, as ``{code: value}``."""
    for group in item.get("tags") or []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == code:
            return {str((e.get("descriptor") or {}).get("code")): str(e.get("value"))
                    for e in group.get("list") or [] if isinstance(e, dict) and e.get("value") is not None}
    return {}


@dataclass(frozen=True, slots=True)
class Tier:
    """One price tier: from ``min_quantity`` units, ``unit_price`` each."""

    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class PoolShown:
    """Everything a pool page shows; ``local`` when this node organizes the pool."""

    id: str
    state: str
    name: LocalText
    unit: str
    currency: str
    tiers: tuple[Tier, ...]
    minimum_batch: Decimal
    maximum: Decimal | None
    pledged: Decimal
    buyers: int
    deadline: datetime
    pickup_points: tuple[str, ...]
    producer_id: str
    offer_id: str
    organizer_id: str
    listed_under: str
    local: bool
    origin: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.state == "OPEN"

    @property
    def reached(self) -> Tier | None:
        """The best tier the pledged total reaches (the price everyone pays if it closed now)."""
        hit = [t for t in self.tiers if t.min_quantity <= self.pledged]
        return hit[-1] if hit else None

    @property
    def next_tier(self) -> Tier | None:
        above = [t for t in self.tiers if t.min_quantity > self.pledged]
        return above[0] if above else None

    @property
    def to_minimum(self) -> Decimal:
        return max(self.minimum_batch - self.pledged, Decimal(0))

    @property
    def remaining(self) -> Decimal | None:
        """What may still be pledged under the maximum (None without one)."""
        return None if self.maximum is None else max(self.maximum - self.pledged, Decimal(0))

    def past_deadline(self, now: datetime) -> bool:
        return now >= self.deadline


def from_stored(stored: StoredPool) -> PoolShown:
    """The pool as its organizer's node holds it."""
    pool = stored.pool
    offer = pool.terms.offer
    origin = None
    if offer.origin is not None:
        origin = {"place": offer.origin.place, "harvest_date": offer.origin.harvest_date, "batch": offer.origin.batch}
    return PoolShown(
        id=pool.id, state=pool.state.value, name=offer.name, unit=offer.unit,
        currency=offer.tiers[0].unit_price.currency if offer.tiers else "",
        tiers=tuple(Tier(Decimal(t.min_quantity), t.unit_price.amount) for t in offer.tiers),
        minimum_batch=Decimal(offer.minimum_batch), maximum=pool.terms.maximum, pledged=pool.total,
        buyers=len({p.buyer_id for p in pool.pledges}), deadline=pool.terms.deadline,
        pickup_points=pool.terms.pickup_points, producer_id=pool.terms.producer_id, offer_id=offer.id,
        organizer_id=pool.organizer_id, listed_under=stored.listed_under, local=True, origin=origin,
        outcome=stored.outcome, extras={"producer_provider_id": pool.terms.provider_id},
    )


def split_name(text: str) -> LocalText:
    """``"中文 / English"`` (how a catalog writes both) as a LocalText."""
    zh, sep, en = text.partition(" / ")
    return LocalText(zh.strip() or None, en.strip() or None) if sep else LocalText(text, text)


def from_item(item: dict[str, Any], listed_under: str) -> PoolShown | None:
    """The pool from the organizer's ``on_search`` item (None when it is not a pool item)."""
    facts = tag_values(item, "duijie.pool")
    deadline_text = facts.get("deadline")
    if not facts or not deadline_text:
        return None
    try:
        deadline = datetime.fromisoformat(deadline_text)
    except ValueError:
        return None
    tiers = sorted((Tier(q, p) for code, price in tag_values(item, "duijie.pool.tiers").items()
                    if (q := _dec(code)) is not None and (p := _dec(price)) is not None),
                   key=lambda t: t.min_quantity)
    name = str((item.get("descriptor") or {}).get("name") or item.get("id"))
    return PoolShown(
        id=str(item.get("id")), state=facts.get("state", "OPEN"), name=split_name(name.removeprefix(POOL_NAME_PREFIX)),
        unit=facts.get("unit", ""), currency=str((item.get("price") or {}).get("currency") or ""),
        tiers=tuple(tiers), minimum_batch=_dec(facts.get("minimum_batch")) or Decimal(0),
        maximum=_dec(facts.get("maximum")), pledged=_dec(facts.get("pledged")) or Decimal(0),
        buyers=int(_dec(facts.get("buyers")) or 0), deadline=deadline,
        pickup_points=tuple(p.strip() for p in facts.get("pickup_points", "").split(" | ") if p.strip()),
        producer_id=facts.get("producer_id", ""), offer_id=facts.get("offer_id", ""),
        organizer_id=facts.get("organizer_id", ""), listed_under=listed_under, local=False,
    )
