"""What a buyer is shown of an offer that a seller answered live (a Beckn item, not a stored
listing): the unit, the minimum batch, the tiers and the provenance, judged again by the buyer's
node with the keys it trusts — the seller's ``status`` tag is never taken on trust.

The row has the shape :func:`~duijie.services.trade.offer_listing.offer_view` gives an indexed
offer, so a live row and an indexed row of one offer read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.money import Money
from duijie.domain.offers import PriceTier
from duijie.domain.provenance import ProvenanceStatus
from duijie.protocol import jsonbytes
from duijie.protocol.mapping.offers import OFFER_TAGS, PROVENANCE_TAGS, SOURCE_TAGS, TIER_TAGS, tag_values
from duijie.protocol.provenance import check_signed_offer, relisted_provenance
from duijie.protocol.receipts import KeySource
from duijie.services.ports import Clock, UnitOfWorkFactory
from duijie.services.trade.offer_listing import TrustedKeys


def is_offer_item(item: Any) -> bool:
    """A producer's offer or a relisting (it carries the ``duijie.offer`` tag group)."""
    return bool(tag_values(item, OFFER_TAGS))


class NodeTrustedKeys:
    """The keys this node trusts, read through a short read-only unit of work per question (for
    code that holds no unit of work, such as live search)."""

    name = "this node's trusted keys"

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def public_key(self, subscriber_id: str, unique_key_id: str) -> str | None:
        with self._uow(read_only=True) as uow:
            return TrustedKeys(uow.known_keys, self._clock.now()).public_key(subscriber_id, unique_key_id)


def _tiers(item: dict[str, Any]) -> tuple[PriceTier, ...]:
    currency = str((item.get("price") or {}).get("currency") or "")
    out = []
    for threshold, price in _ladder(item):
        out.append(PriceTier(threshold, Money(Decimal(price), currency)))
    return tuple(out)


def _judged(item: dict[str, Any], claimed: dict[str, str], seller_id: str,
            sources: Sequence[KeySource]) -> dict[str, Any]:
    """The provenance: a relisting verifies back to the producer's signed offer it embeds; an offer
    without one is source-direct only as the seller's own (its catalog signature is the producer's)."""
    source = tag_values(item, SOURCE_TAGS).get("signed_offer")
    origin = {"place": claimed.get("origin_place"), "harvest_date": claimed.get("harvest_date"),
              "batch": claimed.get("batch")}
    if source is None:
        producer = claimed.get("producer_id") or seller_id
        if producer != seller_id:
            return {"status": ProvenanceStatus.UNVERIFIED.value, "producer_id": producer, "origin": origin,
                    "reason": f"claims producer {producer} without embedding its signed offer"}
        return {"status": ProvenanceStatus.SOURCE_DIRECT.value, "producer_id": seller_id, "origin": origin,
                "reason": None}
    try:
        check = check_signed_offer(jsonbytes.loads(source))
        tiers = _tiers(item)
    except (ValueError, InvalidOperation):
        return {"status": ProvenanceStatus.UNVERIFIED.value, "producer_id": claimed.get("producer_id"),
                "origin": origin, "reason": "the embedded offer or the tiers cannot be read"}
    if check.offer is None:
        return {"status": ProvenanceStatus.UNVERIFIED.value, "producer_id": check.producer_id, "origin": origin,
                "reason": f"the producer's signed offer does not hold: {check.reason}"}
    offer = tag_values(item, OFFER_TAGS)
    relisted = replace(check.offer, id=str(item.get("id")), unit=offer.get("unit") or check.offer.unit,
                       tiers=tiers, source=source)
    prov = relisted_provenance(relisted, sources)
    view: dict[str, Any] = {"status": prov.status.value, "producer_id": prov.producer_id, "origin": origin,
                            "reason": prov.reason}
    place = check.offer.origin.place.both() if check.offer.origin is not None else None
    if prov.status is ProvenanceStatus.RELISTED and claimed.get("origin_place") not in (None, place):
        view.update(status=ProvenanceStatus.UNVERIFIED.value,
                    reason="the relisting claims another origin than the producer's signed offer")
    if prov.markups:
        first = prov.markups[0]
        view.update(producer_price=first.producer_price.to_wire(), relisted_price=first.relisted_price.to_wire(),
                    markup=first.amount.to_wire(), markup_percent=format(first.percent, "f"), markup_at=first.quantity)
    return view


def _ladder(item: dict[str, Any]) -> list[tuple[int, str]]:
    return sorted((int(k), v) for k, v in tag_values(item, TIER_TAGS).items() if k.isdigit())


def live_offer_view(item: dict[str, Any], seller_id: str, sources: Sequence[KeySource]) -> dict[str, Any]:
    """Unit, minimum batch, tiers and (when an origin is claimed) provenance of a live offer item."""
    offer = tag_values(item, OFFER_TAGS)
    minimum = offer.get("minimum_batch", "1")
    out: dict[str, Any] = {
        "unit": offer.get("unit"), "minimum_batch": int(minimum) if minimum.isdigit() else None,
        "tiers": [{"min_quantity": k, "unit_price": v} for k, v in _ladder(item)],
    }
    claimed = tag_values(item, PROVENANCE_TAGS)
    if claimed or tag_values(item, SOURCE_TAGS):
        out["provenance"] = _judged(item, claimed, seller_id, sources)
    return out
