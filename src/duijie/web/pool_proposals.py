"""Proposed pool terms as the pool page shows them to a pledger: beside the terms in effect, what
changes (tiers, minimum batch, maximum, deadline, pickup points), for this node's pledges that
have a proposal to answer (:func:`~duijie.services.trade.pool.answers.pending_proposal`).

The proposal is read from the ``duijie.pool.proposal`` group the organizer sent (docs/POOLS.md);
accepting checks the organizer's signature on the proposed terms first (the pool service does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.services.buyer import BuyerService
from duijie.services.errors import NotFound
from duijie.services.trade.pool.answers import pending_proposal
from duijie.web.pool_shown import PoolShown, Tier


@dataclass(frozen=True, slots=True)
class Change:
    """One term, now and as proposed; ``name`` says which (and so how the page shows its values)."""

    name: str  # tiers, minimum_batch, maximum, deadline, pickup_points
    now: Any
    proposed: Any

    @property
    def changed(self) -> bool:
        return bool(self.now != self.proposed)


@dataclass(frozen=True, slots=True)
class ProposalShown:
    """A pledge's pending proposal: its version and every term, now and proposed."""

    order_id: str
    terms_version: int
    changes: tuple[Change, ...]
    declined: bool = False  # this pledger declined them: it may still accept while they are open


def _dec(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "", "None") else None
    except InvalidOperation:
        return None


def _tiers(text: str) -> tuple[Tier, ...]:
    """``"100:2.60, 200:2.20"`` (how the proposal group lists tiers) as tiers, lowest first."""
    tiers = []
    for part in text.split(","):
        qty, _sep, price = part.strip().partition(":")
        q, p = _dec(qty), _dec(price)
        if q is not None and p is not None:
            tiers.append(Tier(q, p))
    return tuple(sorted(tiers, key=lambda t: t.min_quantity))


def _deadline(text: str | None, fallback: datetime) -> datetime:
    try:
        return datetime.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


def shown(order_id: str, terms_version: int, entries: dict[str, str], pool: PoolShown,
          declined: bool = False) -> ProposalShown:
    """The proposal ``entries`` beside ``pool``'s terms now (a term the proposal omits is kept)."""
    pickup = tuple(p.strip() for p in entries.get("pickup_points", "").split(" | ") if p.strip())
    minimum = _dec(entries.get("minimum_batch"))
    return ProposalShown(order_id, terms_version, (
        Change("tiers", pool.tiers, _tiers(entries.get("tiers", "")) or pool.tiers),
        Change("minimum_batch", pool.minimum_batch, minimum if minimum is not None else pool.minimum_batch),
        Change("maximum", pool.maximum, _dec(entries.get("maximum"))),
        Change("deadline", pool.deadline, _deadline(entries.get("deadline"), pool.deadline)),
        Change("pickup_points", pool.pickup_points, pickup or pool.pickup_points),
    ), declined)


def pending(buyer: BuyerService | None, order_ids: list[str], pool: PoolShown | None) -> dict[str, ProposalShown]:
    """This node's pledges (``order_ids``) with proposed terms to answer, or declined and still
    open to accept, by order id (none once the pool is no longer open: nothing is left to answer)."""
    if buyer is None or pool is None or not pool.is_open:
        return {}
    out: dict[str, ProposalShown] = {}
    for order_id in order_ids:
        try:
            found = pending_proposal(buyer.purchase(order_id))
        except NotFound:
            continue
        if found is not None and found.pool_id == pool.id:
            out[order_id] = shown(order_id, found.terms_version, found.entries, pool, found.declined)
    return out
