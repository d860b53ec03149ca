"""After a successful close: the organizer's node buys the batch from the producer, over Beckn.

The organizer acts as a buyer (:meth:`BuyerService.place` with :class:`BatchPurchase`): one
order for the pool's total of the producer's offer, carrying the member pledges as
``ref_order_ids``. The producer answers with one order per organizer and pool however often it
is sent (:mod:`duijie.services.trade.offer.kind`), so the closer may retry until it is confirmed.
A producer's refusal (the offer is gone, the batch below its minimum) is final: the members are
released, each by a signed callback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from duijie.protocol.mapping import pools as pm
from duijie.services.trade.pool.closing import BATCH_CONFIRMED, BATCH_REFUSED
from duijie.services.trade.pool.ports import StoredPool

log = logging.getLogger("duijie.pools")


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """The batch of one pool: where the producer is, what and how much, and the pledges it gathers."""

    bpp_uri: str
    bpp_id: str | None
    provider_id: str
    offer_id: str
    quantity: Decimal
    unit: str
    pool_id: str
    ref_order_ids: tuple[str, ...]
    organizer: str


class BatchPurchase:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a pool's batch order."""

    def select_order(self, request: BatchRequest) -> dict[str, Any]:
        return pm.batch_select_order(request.provider_id, request.offer_id, request.quantity, request.unit,
                                     request.pool_id, list(request.ref_order_ids))

    def init_order(self, request: BatchRequest, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        return {**selected, "billing": {"name": f"云拼 pool {request.pool_id} ({request.organizer})"}}

    def confirm_order(self, request: BatchRequest, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, "quote": terms.get("quote", {})}


BATCH_PURCHASE = BatchPurchase()


class BatchOrders:
    """The closer's ``place_batch``: BATCH_CONFIRMED once the producer confirmed the pool's batch,
    BATCH_REFUSED when it refused; raises (the closer retries) when it could not be reached."""

    def __init__(self, place: Callable[[BatchPurchase, BatchRequest], Awaitable[dict[str, Any]]],
                 refused: type[Exception]) -> None:
        # BuyerService.place and its SellerRefused, handed in by bootstrap (a trade use case does not
        # import the buyer's messaging machinery).
        self._place = place
        self._refused = refused
        self.placed: dict[str, str] = {}  # pool id -> the producer's order id (tests read it)

    def request_for(self, stored: StoredPool) -> BatchRequest:
        pool = stored.pool
        return BatchRequest(stored.producer_uri, pool.terms.producer_id, pool.terms.provider_id, pool.terms.offer.id,
                            pool.total, pool.terms.offer.unit, pool.id, tuple(p.id for p in pool.pledges),
                            pool.organizer_id)

    async def __call__(self, stored: StoredPool) -> str:
        try:
            purchase = await self._place(BATCH_PURCHASE, self.request_for(stored))
        except self._refused as exc:
            log.warning("pool %s: the producer refused the batch: %s", stored.pool.id, exc)
            return BATCH_REFUSED
        self.placed[stored.pool.id] = str(purchase["order_id"])
        log.info("pool %s: batch order %s confirmed by %s", stored.pool.id, purchase["order_id"],
                 stored.pool.terms.producer_id)
        return BATCH_CONFIRMED
