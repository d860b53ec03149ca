"""Producer offers (and relistings of them) as Beckn 1.1.1 catalog items (docs/POOLS.md).

An offer is an item of its provider: ``id`` the offer id, ``price`` the first tier's unit price,
``quantity.unitized.measure`` its unit, ``quantity.minimum.count`` its minimum batch,
``category_ids`` its category, ``location_ids`` where it is made, and tag groups:

- ``duijie.offer``: ``unit``, ``minimum_batch``, ``kind`` (``offer`` or ``relisting``);
- ``duijie.offer.tiers``: one entry per tier, code the tier's minimum quantity, value its unit price;
- ``duijie.provenance`` (when an origin is claimed): ``status`` (``source-direct``, ``relisted`` or
  ``unverified``, as the seller judged it: a buyer's node judges again), ``producer_id``,
  ``origin_place``, ``harvest_date``/``batch``, and for a relisting ``producer_price`` (the
  producer's first-tier price), ``markup``, ``markup_percent`` and ``reason`` when unverified;
- ``duijie.provenance.source`` (a relisting): ``signed_offer``, the producer's signed offer as
  JSON text, so anyone can check the chain (``duijie verify``).
"""

from __future__ import annotations

from typing import Any

from duijie.domain.offers import ProducerOffer
from duijie.domain.provenance import Origin
from duijie.protocol.provenance import Provenance

OFFER_CODE = "offer"
RELISTING_CODE = "relisting"
OFFER_TAGS = "duijie.offer"
TIER_TAGS = "duijie.offer.tiers"
PROVENANCE_TAGS = "duijie.provenance"
SOURCE_TAGS = "duijie.provenance.source"


def _group(code: str, values: dict[str, str | None]) -> dict[str, Any]:
    return {"descriptor": {"code": code},
            "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items() if v is not None]}


def _origin_values(origin: Origin | None) -> dict[str, str | None]:
    if origin is None:
        return {}
    return {"origin_place": origin.place.both(), "harvest_date": origin.harvest_date.isoformat()
            if origin.harvest_date else None, "batch": origin.batch}


def provenance_tags(offer: ProducerOffer, provenance: Provenance | None) -> list[dict[str, Any]]:
    """The provenance tag groups of an offer item (none when the offer claims no origin)."""
    if provenance is None:
        return []
    origin = provenance.producer_offer.origin if provenance.producer_offer else offer.origin
    values: dict[str, str | None] = {"status": provenance.status.value, "producer_id": provenance.producer_id,
                                     **_origin_values(origin)}
    if offer.source is not None and provenance.markups:
        first = provenance.markups[0]
        values.update(producer_price=first.producer_price.to_wire(), markup=first.amount.to_wire(),
                      markup_percent=format(first.percent, "f"), markup_at=str(first.quantity))
    values["reason"] = provenance.reason
    groups = [_group(PROVENANCE_TAGS, values)]
    if offer.source is not None:
        groups.append(_group(SOURCE_TAGS, {"signed_offer": offer.source}))
    return groups


def offer_item(offer: ProducerOffer, provenance: Provenance | None) -> dict[str, Any]:
    """One offer as a Beckn item (see the module docstring)."""
    first = offer.tiers[0].unit_price if offer.tiers else None
    item: dict[str, Any] = {
        "id": offer.id,
        "descriptor": {"name": offer.name.both(), "code": RELISTING_CODE if offer.source else OFFER_CODE,
                       **({"long_desc": offer.description.both()} if offer.description else {})},
        "quantity": {"unitized": {"measure": {"unit": offer.unit, "value": "1"}},
                     "minimum": {"count": offer.minimum_batch}},
    }
    if first is not None:
        item["price"] = {"currency": first.currency, "value": first.to_wire()}
    if offer.category:
        item["category_ids"] = [offer.category]
    if offer.location_id:
        item["location_ids"] = [offer.location_id]
    item["tags"] = [
        _group(OFFER_TAGS, {"unit": offer.unit, "minimum_batch": str(offer.minimum_batch),
                            "kind": RELISTING_CODE if offer.source else OFFER_CODE}),
        _group(TIER_TAGS, {str(t.min_quantity): t.unit_price.to_wire() for t in offer.tiers}),
        *provenance_tags(offer, provenance),
    ]
    return item


def tag_values(item: Any, code: str) -> dict[str, str]:
    """The values of one tag group of a Beckn item (``{}`` when absent or malformed)."""
    tags = item.get("tags") if isinstance(item, dict) else None
    for group in tags if isinstance(tags, list) else []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == code:
            return {str((t.get("descriptor") or {}).get("code")): str(t.get("value"))
                    for t in group.get("list") or [] if isinstance(t, dict)}
    return {}
