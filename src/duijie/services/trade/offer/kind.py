"""The producer's side of a batch order for one of its offers (a pool's, or any wholesale buyer's).

select/init quote the whole quantity at the tier it reaches (the same unit price for all of
it), refusing less than the minimum batch; confirm keeps the order. One order per buyer and pool
(``duijie.pool.batch`` tag; else per transaction): its id is derived from them, so a batch sent
again (the organizer's retry after a lost answer) finds the order it already made. The order is
kept as the signed receipt the seller dispatch stores with every confirm (``uow.receipts``),
which is what the producer ships against; ``status`` reads it back.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import ROUND_HALF_UP
from typing import Any, Protocol

from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.offers import ProducerOffer
from duijie.domain.pool_allocation import minor_unit
from duijie.domain.pools import quantity_problem
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping import pools as pm
from duijie.protocol.pipeline import Verified
from duijie.services.buyer_ports import BuyerUnitOfWork
from duijie.services.trade.kinds import Message, Refused, SellerKind
from duijie.services.trade.pool.ports import PoolUnitOfWork

BATCH_PREFIX = "B-"


class BatchUnitOfWork(BuyerUnitOfWork, PoolUnitOfWork, Protocol):
    """The node's unit of work as a batch order needs it: the receipts and the batch-order inbox."""

    def __enter__(self) -> BatchUnitOfWork: ...


def batch_order_id(bap_id: str, key: str) -> str:
    """The one order id of a buyer's batch for ``key`` (its pool, or its transaction)."""
    return BATCH_PREFIX + hashlib.sha256(f"{bap_id}\n{key}".encode()).hexdigest()[:16]


class OfferKind(SellerKind[BatchUnitOfWork]):
    """Seller side of batch orders for the offers of the node's listings."""

    name = "batch order"

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        return any(o.id == item_id for o in listing.offers)

    def holds_order(self, uow: BatchUnitOfWork, order_id: str) -> bool:
        return order_id.startswith(BATCH_PREFIX)

    def _priced(self, request: Verified, listing: Listing) -> dict[str, Any]:
        order = request.message.get("order") or {}
        offer_id, quantity, pool_id, refs = pm.batch_subject(order)
        offer = next((o for o in listing.offers if o.id == offer_id), None)
        if offer is None:
            raise Refused(BecknErrorCode.ITEM_NOT_FOUND, f"no offer {offer_id!r} at {listing.id}")
        problem = quantity_problem(quantity, offer.unit)
        if problem is not None:
            raise Refused(BecknErrorCode.INVALID_REQUEST, f"{problem[0].value}: {problem[1]}")
        if quantity < offer.minimum_batch:
            raise Refused(BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE,
                          f"below_minimum_batch: {quantity} {offer.unit} is below the minimum batch of "
                          f"{offer.minimum_batch}")
        return {**pm.batch_select_order(listing.id, offer.id, quantity, offer.unit, pool_id or "", refs),
                "quote": self._quote(offer, quantity)}

    @staticmethod
    def _quote(offer: ProducerOffer, quantity: Any) -> dict[str, Any]:
        unit_price = offer.tier_for(int(quantity)).unit_price
        step = minor_unit(unit_price.currency)
        total = Money((unit_price.amount * quantity).quantize(step, rounding=ROUND_HALF_UP), unit_price.currency)
        return pm.batch_quote(offer.id, quantity, offer.unit, unit_price, total)

    def select(self, uow: BatchUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        return {"order": self._priced(request, listing)}

    def init(self, uow: BatchUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = self._priced(request, listing)
        billing = (request.message.get("order") or {}).get("billing")
        if isinstance(billing, dict):
            order["billing"] = billing
        return {"order": order}

    def confirm(self, uow: BatchUnitOfWork, request: Verified, listing: Listing, now: datetime) -> Message:
        order = self._priced(request, listing)
        _, _, pool_id, _ = pm.batch_subject(request.message.get("order") or {})
        order_id = batch_order_id(request.context.bap_id, f"pool:{pool_id}" if pool_id
                                  else f"tx:{request.context.transaction_id}")
        kept = uow.receipts.get(order_id)
        if kept is not None:  # sent again: the order made the first time (its receipt is re-sent as is)
            agreement = dict(kept["agreement"])
            return {"order": {k: v for k, v in agreement.items() if k not in ("bap_id", "bpp_id", "transaction_id")}
                    | {"status": "ACTIVE", "ref_order_ids": order.get("ref_order_ids", [])}}
        billing = (request.message.get("order") or {}).get("billing")
        if isinstance(billing, dict):
            order["billing"] = billing
        confirmed = {"id": order_id, **order, "status": "ACTIVE", "created_at": now.isoformat()}
        # The producer's inbox keeps the member pledges (ref_order_ids), which its receipt does not.
        uow.pools.add_batch_order(order_id, request.context.bap_id, request.context.bap_uri, pool_id, confirmed, now)
        return {"order": confirmed}

    def status(self, uow: BatchUnitOfWork, request: Verified, order_id: str | None, now: datetime) -> Message:
        kept = uow.receipts.get(order_id or "")
        if kept is None or kept["agreement"].get("bap_id") != request.context.bap_id:
            raise Refused(BecknErrorCode.ORDER_NOT_FOUND, f"no batch order {order_id!r} of yours here")
        agreement = dict(kept["agreement"])
        return {"order": {k: v for k, v in agreement.items() if k not in ("bap_id", "bpp_id", "transaction_id")}
                | {"status": "ACTIVE"}}
