"""A pledge into a pool on another node, buyer side: the orders of select, init and confirm."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from duijie.protocol.mapping import pools as pm


@dataclass(frozen=True, slots=True)
class PledgeOrder:
    """``quantity`` of ``unit`` into ``pool_id``, listed under ``provider_id`` at ``bpp_uri``."""

    bpp_uri: str
    provider_id: str
    pool_id: str
    quantity: Decimal
    unit: str
    billing_name: str = "pool member"
    bpp_id: str | None = None


def pledge_items(pool_id: str, quantity: Decimal, unit: str) -> list[dict[str, Any]]:
    """``order.items`` of a pledge (also of an update changing its quantity)."""
    return [{"id": pool_id, "quantity": {"selected": {"measure": {"unit": unit, "value": format(quantity, "f")}}}}]


VerifyTerms = Callable[[Any, str], object]
"""``(signed_terms, pool_id)``: raises (``terms_not_verified``) unless the pool's signed terms hold
with a key this node trusts (:meth:`~duijie.services.trade.pool.pools.PoolService.verify_terms`)."""


class PoolPledge:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a pledge. With ``verify``, the pool's
    signed terms in ``on_select`` are checked before anything is committed (``init``)."""

    def __init__(self, verify: VerifyTerms | None = None) -> None:
        self.verify = verify

    def select_order(self, request: PledgeOrder) -> dict[str, Any]:
        return {"provider": {"id": request.provider_id},
                "items": pledge_items(request.pool_id, request.quantity, request.unit)}

    def init_order(self, request: PledgeOrder, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        if self.verify is not None:  # Rule: no pledge under terms the organizer has not signed
            self.verify(pm.signed_terms_of(quoted.get("tags")), request.pool_id)
        return {**selected, "billing": {"name": request.billing_name}}

    def confirm_order(self, request: PledgeOrder, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, "fulfillments": terms.get("fulfillments", []), "quote": terms.get("quote", {})}


POOL_PLEDGE = PoolPledge()
