"""This node's purchases as the owner's pages show them: what kind each is, its state, where its
page is and which receipt it holds.

Every trade this node made as a buyer is a purchase (:meth:`BuyerService.purchase`): a food order,
a room reservation (fulfillment type ``RESERVATION``), a job application (item ``job-…``), a
pledge into a pool (item ``pool-…``, order ``PL-…``) or a pool's batch order. A pool's close
reaches the member as a second purchase, the allocation ``PL-…-allocation`` (its receipt, signed
by the organizer, in its tags); it is shown on its pledge's row, not as a row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from duijie.protocol.receipts import ReceiptCheck, receipt_from_tags
from duijie.services.buyer import BuyerService
from duijie.services.container import Services
from duijie.services.errors import NotFound
from duijie.services.trade.pool.answers import pending_proposal
from duijie.web.pool_shown import tag_values

ALLOCATION_SUFFIX = "-allocation"
LIMIT = 200
"""Purchases shown at most, newest first (each is read whole)."""


class Kind(StrEnum):
    ORDER = "order"
    RESERVATION = "reservation"
    APPLICATION = "application"
    PLEDGE = "pledge"
    BATCH = "batch"


def _dec(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except InvalidOperation:
        return None


def kind_of(order: dict[str, Any]) -> Kind:
    """What a Beckn order this node placed is, from its item and fulfillment."""
    items = [i for i in order.get("items") or [] if isinstance(i, dict)]
    first = str(items[0].get("id", "")) if items else ""
    if first.startswith("pool-"):
        return Kind.PLEDGE
    if first.startswith("job-"):
        return Kind.APPLICATION
    if any(isinstance(f, dict) and f.get("type") == "RESERVATION" for f in order.get("fulfillments") or []):
        return Kind.RESERVATION
    if order.get("ref_order_ids") or tag_values(order, "duijie.pool.batch"):
        return Kind.BATCH
    return Kind.ORDER


def measure_of(order: dict[str, Any]) -> tuple[Decimal | None, str]:
    """(quantity, unit) of the order's first item."""
    items = [i for i in order.get("items") or [] if isinstance(i, dict)]
    selected = ((items[0].get("quantity") or {}).get("selected") or {}) if items else {}
    measure = selected.get("measure") or {}
    if measure:
        return _dec(measure.get("value")), str(measure.get("unit") or "")
    return _dec(selected.get("count")), ""


def pool_link(pool_id: str, bpp_uri: str, provider_id: str, bpp_id: str | None = None) -> str:
    """The pool page on this node for a pool organized at ``bpp_uri`` (search results link here too)."""
    query = {"bpp": bpp_uri, "provider": provider_id, **({"bpp_id": bpp_id} if bpp_id else {})}
    return f"/pools/{pool_id}?{urlencode(query)}"


@dataclass(frozen=True, slots=True)
class PurchaseShown:
    """One row of "Mine" (and of a pool page's "your pledges")."""

    order_id: str
    kind: Kind
    status: str
    provider_id: str
    seller_id: str
    updated_at: str
    link: str
    quantity: Decimal | None
    unit: str
    total: Decimal | None
    currency: str
    receipt_id: str | None  # the order id whose receipt is downloadable (the allocation's, after a close)
    pool_id: str | None = None
    allocation: dict[str, str] | None = None
    release_reason: str | None = None
    #: A pledge's proposed terms waiting for this node's answer: ``proposed`` (not answered yet) or
    #: ``declined`` (may still be accepted); None when there are none.
    terms_to_answer: str | None = None


def receipt_of(purchase: dict[str, Any]) -> dict[str, Any] | None:
    """The receipt this node holds for a purchase: the countersigned one, else the one in its tags."""
    if purchase.get("receipt"):
        return dict(purchase["receipt"])
    return receipt_from_tags((purchase.get("order") or {}).get("tags"))


def _link(kind: Kind, purchase: dict[str, Any], pool_id: str | None) -> str:
    oid = purchase["order_id"]
    if kind is Kind.PLEDGE and pool_id:
        return pool_link(pool_id, purchase.get("bpp_uri") or "", purchase.get("provider_id") or "",
                         purchase.get("bpp_id"))
    return {Kind.RESERVATION: f"/bookings/{oid}", Kind.APPLICATION: f"/applications/{oid}"}.get(kind, f"/orders/{oid}")


def shown(purchases: list[dict[str, Any]]) -> list[PurchaseShown]:
    """The rows, allocations folded into their pledges."""
    allocations = {p["order_id"].removesuffix(ALLOCATION_SUFFIX): p for p in purchases
                   if p["order_id"].endswith(ALLOCATION_SUFFIX)}
    rows = []
    for p in purchases:
        oid = p["order_id"]
        if oid.endswith(ALLOCATION_SUFFIX):
            continue
        order = p.get("order") or {}
        kind = kind_of(order)
        quantity, unit = measure_of(order)
        price = (order.get("quote") or {}).get("price") or {}
        pool_id = str(order["items"][0]["id"]) if kind is Kind.PLEDGE else None
        status = p.get("fulfillment_state") or p.get("status") or ""
        allocation = release = None
        receipt_id: str | None = oid if receipt_of(p) else None
        found = allocations.get(oid)
        if found is not None:
            allocation = tag_values(found.get("order") or {}, "duijie.pool.allocation") or None
            status = "ALLOCATED"
            receipt_id = found["order_id"] if receipt_of(found) else receipt_id
        elif kind is Kind.PLEDGE and tag_values(order, "duijie.pool.release"):
            release = tag_values(order, "duijie.pool.release").get("reason")
            status = "RELEASED"
        proposal = pending_proposal(p) if kind is Kind.PLEDGE and status == "ACTIVE" else None
        answer = proposal.state if proposal is not None and proposal.pool_id == pool_id else None
        rows.append(PurchaseShown(oid, kind, str(status), p.get("provider_id") or "", p.get("bpp_id") or "",
                                  p.get("updated_at") or "", _link(kind, p, pool_id), quantity, unit,
                                  _dec(price.get("value")), str(price.get("currency") or ""), receipt_id,
                                  pool_id, allocation, release, answer))
    return rows


def own_purchases(buyer: BuyerService, pool_id: str | None = None) -> list[PurchaseShown]:
    """This node's purchases, newest first (only the pledges into ``pool_id`` when given)."""
    whole = [buyer.purchase(p["order_id"]) for p in buyer.purchases()[:LIMIT]]
    rows = shown(whole)
    return [r for r in rows if r.pool_id == pool_id] if pool_id else rows


def receipt_for(services: Services, order_id: str) -> dict[str, Any] | None:
    """The receipt this node holds for its purchase ``order_id`` (None when none, or no such purchase)."""
    if services.buyer is None:
        return None
    try:
        return receipt_of(services.buyer.purchase(order_id))
    except NotFound:
        return None


def receipt_check(services: Services, order_id: str) -> ReceiptCheck | None:
    """The receipt of ``order_id`` checked with this node's trusted keys (None without a receipt)."""
    receipt = receipt_for(services, order_id)
    if receipt is None or services.buyer is None:
        return None
    return services.buyer.check_receipt(receipt)
