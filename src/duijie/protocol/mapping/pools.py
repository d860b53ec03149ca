"""The Beckn 1.1.1 shape of a 云拼 pool (docs: the pool mapping, in docs/POOLS.md).

- A pool is a catalog **item** of the organizer's provider: ``id`` the pool id (``pool-…``),
  ``price`` the unit price reached so far (the first tier's while none is), ``quantity.unitized``
  the offer's unit, ``category_ids`` ``["pool"]``, and two tag groups: ``duijie.pool`` (state,
  pledged, buyers, unit, minimum_batch, maximum, deadline, to_next_tier, to_minimum, producer_id,
  offer_id) and ``duijie.pool.tiers`` (one entry per tier: code the tier's minimum quantity,
  value its unit price).
- A **pledge** is a draft order on that item: ``items[0].id`` the pool id and
  ``items[0].quantity.selected.measure`` ``{"unit": <the offer's unit>, "value": "<decimal>"}``
  (or ``count`` for whole units); confirmed, its ``id`` is the pledge id (``PL-…``), its quote
  the quantity at the current tier price, and its ``tags`` the organizer's signed receipt.
- A change is an ``update`` (``update_target`` "items") carrying the new quantity the same way;
  a withdrawal is a ``cancel`` naming the pledge id.
- At the close, each member gets an unsolicited ``on_status``: the pledge order with status
  ``COMPLETE`` and a ``duijie.pool.allocation`` tag group (quantity, unit_price, total, the
  batch's tier), carrying the organizer's signed allocation receipt; or status ``CANCELLED`` and a
  ``duijie.pool.release`` group (reason) when the minimum was missed or the pool was cancelled.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.money import Money
from duijie.domain.pools import Pledge, Pool, PoolProgress, PoolState
from duijie.protocol import jsonbytes
from duijie.protocol.canonical import canonical_bytes
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping.codes import MappingError

POOL_CATEGORY = "pool"
POOL_ITEM_PREFIX = "pool-"
PLEDGE_PREFIX = "PL-"
TERMS_TAGS = "duijie.pool.terms"
PROPOSAL_TAGS = "duijie.pool.proposal"
CONSENT_TAGS = "duijie.pool.consent"
CONSENT_TARGET = "terms"
"""The ``update_target`` of a pledger's answer to proposed terms (a quantity change is ``items``)."""


def _group(code: str, values: dict[str, str | None]) -> dict[str, Any]:
    return {"descriptor": {"code": code},
            "list": [{"descriptor": {"code": k}, "value": v} for k, v in values.items() if v is not None]}


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _price(money: Money) -> dict[str, str]:
    return {"currency": money.currency, "value": money.to_wire()}


def terms_group(signed_terms: dict[str, Any]) -> dict[str, Any]:
    """The organizer's signed terms (``duijie.pool/1``) as a tag group: its JSON text, canonical."""
    return _group(TERMS_TAGS, {"signed_terms": canonical_bytes(signed_terms).decode("utf-8")})


def _entries(tags: Any, code: str) -> dict[str, str] | None:
    for group in tags if isinstance(tags, list) else []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == code:
            return {str((e.get("descriptor") or {}).get("code")): str(e.get("value"))
                    for e in group.get("list") or [] if isinstance(e, dict)}
    return None


def signed_terms_of(tags: Any) -> dict[str, Any] | None:
    """The signed terms carried in ``tags`` (an item's or an order's), None when absent or not JSON."""
    text = (_entries(tags, TERMS_TAGS) or {}).get("signed_terms")
    try:
        doc = jsonbytes.loads(text) if text else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def pool_item(pool: Pool, progress: PoolProgress, signed_terms: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pool as a catalog item of the organizer's provider, its progress in tags (and the
    organizer's signed terms, when it has them)."""
    item = _pool_item(pool, progress)
    if signed_terms is not None:
        item["tags"].append(terms_group(signed_terms))
    return item


def _pool_item(pool: Pool, progress: PoolProgress) -> dict[str, Any]:
    offer = pool.terms.offer
    unit_price = progress.unit_price or offer.tiers[0].unit_price
    return {
        "id": pool.id,
        "descriptor": {"name": f"云拼 Pool: {offer.name.both()}", "code": POOL_CATEGORY},
        "price": _price(unit_price),
        "quantity": {"unitized": {"measure": {"unit": offer.unit, "value": "1"}}},
        "category_ids": [POOL_CATEGORY],
        "tags": [
            _group("duijie.pool", {
                "state": progress.state.value, "pledged": _num(progress.pledged), "buyers": str(progress.buyers),
                "unit": offer.unit, "minimum_batch": str(offer.minimum_batch), "maximum": _num(pool.terms.maximum),
                "deadline": pool.terms.deadline.isoformat(), "to_next_tier": _num(progress.to_next_tier),
                "to_minimum": _num(progress.to_minimum), "seconds_left": str(int(progress.time_left.total_seconds())),
                "producer_id": pool.terms.producer_id, "offer_id": offer.id, "organizer_id": pool.organizer_id,
                "pickup_points": " | ".join(pool.terms.pickup_points),
            }),
            _group("duijie.pool.tiers", {str(t.min_quantity): t.unit_price.to_wire() for t in offer.tiers}),
        ],
    }


def pledge_subject(order: Any) -> tuple[str, Decimal]:
    """``(pool_id, quantity)`` of a select/init/confirm/update order on a pool item.

    The quantity is ``items[0].quantity.selected.measure.value`` (a decimal string) or, for whole
    units, ``items[0].quantity.selected.count``."""
    items = order.get("items") if isinstance(order, dict) else None
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "a pledge names exactly one pool item",
                           "message.order.items")
    item = items[0]
    pool_id = item.get("id")
    if not isinstance(pool_id, str):
        raise MappingError(BecknErrorCode.ITEM_NOT_FOUND, "items[0].id must name the pool", "message.order.items[0].id")
    selected = ((item.get("quantity") or {}).get("selected") or {}) if isinstance(item.get("quantity"), dict) else {}
    measure = selected.get("measure") if isinstance(selected, dict) else None
    raw = measure.get("value") if isinstance(measure, dict) else selected.get("count")
    if isinstance(raw, bool) or not isinstance(raw, (str, int)):
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "the pledge's quantity is missing",
                           "message.order.items[0].quantity.selected")
    try:
        quantity = Decimal(str(raw))
    except InvalidOperation:
        raise MappingError(BecknErrorCode.INVALID_REQUEST, f"quantity {raw!r} is not a number",
                           "message.order.items[0].quantity.selected") from None
    return pool_id, quantity


def pledge_item(pool: Pool, quantity: Decimal) -> dict[str, Any]:
    """``items[0]`` of a pledge order."""
    return {"id": pool.id,
            "quantity": {"selected": {"measure": {"unit": pool.terms.offer.unit, "value": format(quantity, "f")}}}}


def _quote(pool: Pool, quantity: Decimal, unit_price: Money, total: Money | None = None) -> dict[str, Any]:
    amount = total or Money(unit_price.amount * quantity, unit_price.currency)
    return {"price": _price(amount),
            "breakup": [{"item": {"id": pool.id, "quantity": {"selected": {"measure": {
                "unit": pool.terms.offer.unit, "value": format(quantity, "f")}}}},
                "title": f"{format(quantity, 'f')} {pool.terms.offer.unit} at {unit_price.to_wire()}",
                "price": _price(amount)}]}


def pledge_order(pool: Pool, provider_id: str, quantity: Decimal, pledge: Pledge | None = None,
                 status: str = "ACTIVE", signed_terms: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pledge as a Beckn order: a draft (no ``pledge``) or the confirmed pledge. The quote is at
    the price the pool's total reaches with this quantity (what it costs if the pool closed now).
    A draft (on_select, on_init) carries the organizer's signed terms for the buyer to check."""
    tier = pool.tier_reached(pool.total if pledge else pool.total + quantity) or pool.terms.offer.tiers[0]
    order: dict[str, Any] = {
        "provider": {"id": provider_id},
        "items": [pledge_item(pool, quantity)],
        "quote": _quote(pool, quantity, tier.unit_price),
        "fulfillments": [{"id": "pickup", "type": "Self-Pickup", "stops": [
            {"type": "end", "location": {"descriptor": {"name": p}}} for p in pool.terms.pickup_points]}],
    }
    if pledge is not None:
        order = {"id": pledge.id, **order, "status": status, "created_at": pledge.pledged_at.isoformat()}
    if signed_terms is not None:
        order["tags"] = [terms_group(signed_terms)]
    return order


def proposal_order(pool: Pool, provider_id: str, pledge_id: str, quantity: Decimal, proposal: dict[str, Any],
                   state: str = "proposed") -> dict[str, Any]:
    """The pledge each member is sent (``on_status``) when the organizer proposes new terms
    (``state`` proposed) and when they take effect (``in_effect``): the ``duijie.pool.proposal``
    group says which version and what changes; ``duijie.pool.terms`` carries them signed."""
    order = pledge_order(pool, provider_id, quantity)
    terms = proposal.get("terms") or {}
    offer = terms.get("offer") or {}
    tiers = ", ".join(f"{t.get('min_quantity')}:{(t.get('unit_price') or {}).get('amount')}"
                      for t in offer.get("tiers") or [])
    order.update(id=pledge_id, status="ACTIVE")
    order["tags"] = [_group(PROPOSAL_TAGS, {
        "pool_id": pool.id, "terms_version": str(proposal.get("terms_version")), "state": state,
        "deadline": terms.get("deadline"), "minimum_batch": str(offer.get("minimum_batch")),
        "maximum": terms.get("maximum"), "tiers": tiers, "pickup_points": " | ".join(terms.get("pickup_points") or []),
    })]
    if proposal.get("signed_terms") is not None:
        order["tags"].append(terms_group(proposal["signed_terms"]))
    return order


def proposal_of(tags: Any) -> dict[str, str] | None:
    """The ``duijie.pool.proposal`` entries in an order's tags (None when it carries none)."""
    return _entries(tags, PROPOSAL_TAGS)


def consent_order(pool_id: str, terms_version: int, accept: bool) -> dict[str, Any]:
    """The ``order`` (besides its id) of a pledger's ``update`` answering proposed terms."""
    return {"tags": [_group(CONSENT_TAGS, {"pool_id": pool_id, "terms_version": str(terms_version),
                                           "answer": "accept" if accept else "decline"})]}


def consent_subject(order: Any) -> tuple[str, int, bool]:
    """``(pool_id, terms_version, accept)`` of a consent update."""
    found = _entries(order.get("tags") if isinstance(order, dict) else None, CONSENT_TAGS) or {}
    answer, version = found.get("answer"), found.get("terms_version", "")
    if answer not in ("accept", "decline") or not version.isdigit() or not found.get("pool_id"):
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "a consent names pool_id, terms_version and answer "
                           "(accept or decline) in a duijie.pool.consent tag group", "message.order.tags")
    return found["pool_id"], int(version), answer == "accept"


def allocation_order(pool: Pool, provider_id: str, pledge_id: str, quantity: Decimal, unit_price: Money,
                     total: Money) -> dict[str, Any]:
    """The order each member is sent at a successful close: its pledge at the pool's one price."""
    order = pledge_order(pool, provider_id, quantity)
    order.update(id=f"{pledge_id}-allocation", status="COMPLETE", quote=_quote(pool, quantity, unit_price, total))
    order["tags"] = [_group("duijie.pool.allocation", {
        "pool_id": pool.id, "pledge_id": pledge_id, "quantity": format(quantity, "f"),
        "unit_price": unit_price.to_wire(), "total": total.to_wire(), "currency": total.currency,
    })]
    return order


def release_order(pool: Pool, provider_id: str, pledge_id: str, quantity: Decimal,
                  reason: str | None = None) -> dict[str, Any]:
    """The order each member is sent when its pledge is released (minimum missed, cancelled, or
    the producer refused the batch)."""
    if reason is None:
        reason = "cancelled by the organizer" if pool.state is PoolState.CANCELLED else "minimum batch not reached"
    order = pledge_order(pool, provider_id, quantity)
    order.update(id=pledge_id, status="CANCELLED")
    order["tags"] = [_group("duijie.pool.release", {"pool_id": pool.id, "reason": reason,
                                                    "state": pool.state.value})]
    return order


# ---- the batch order: organizer -> producer ---------------------------------------------------
# ``items[0]`` the producer's offer with the pool's total as its measure, ``ref_order_ids`` the
# member pledges, and a ``duijie.pool.batch`` tag group naming the pool (the producer keeps one
# order per organizer and pool, however often it is sent).

BATCH_TAGS = "duijie.pool.batch"


def batch_select_order(provider_id: str, offer_id: str, quantity: Decimal, unit: str, pool_id: str,
                       ref_order_ids: list[str]) -> dict[str, Any]:
    """The ``order`` of the organizer's select (and, with billing, init and confirm)."""
    return {
        "provider": {"id": provider_id},
        "items": [{"id": offer_id, "quantity": {"selected": {"measure": {"unit": unit,
                                                                          "value": format(quantity, "f")}}}}],
        "ref_order_ids": list(ref_order_ids),
        "tags": [_group(BATCH_TAGS, {"pool_id": pool_id, "pledges": str(len(ref_order_ids))})],
    }


def batch_subject(order: Any) -> tuple[str, Decimal, str | None, list[str]]:
    """``(offer_id, quantity, pool_id, ref_order_ids)`` of a batch order."""
    offer_id, quantity = pledge_subject(order)
    pool_id = None
    for group in order.get("tags") or []:
        if isinstance(group, dict) and (group.get("descriptor") or {}).get("code") == BATCH_TAGS:
            for entry in group.get("list") or []:
                if isinstance(entry, dict) and (entry.get("descriptor") or {}).get("code") == "pool_id":
                    pool_id = str(entry.get("value"))
    refs = order.get("ref_order_ids")
    ref_ids = [str(r) for r in refs] if isinstance(refs, list) else []
    return offer_id, quantity, pool_id, ref_ids


def batch_quote(offer_id: str, quantity: Decimal, unit: str, unit_price: Money, total: Money) -> dict[str, Any]:
    """The producer's quote for a batch: the whole quantity at the tier it reaches."""
    measure = {"unit": unit, "value": format(quantity, "f")}
    return {"price": _price(total),
            "breakup": [{"item": {"id": offer_id, "quantity": {"selected": {"measure": measure}}},
                         "title": f"{format(quantity, 'f')} {unit} at {unit_price.to_wire()}", "price": _price(total)}]}
