"""A pledge into a pool on another node, buyer side: the orders of select, init and confirm."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


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


class PoolPledge:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a pledge."""

    def select_order(self, request: PledgeOrder) -> dict[str, Any]:
        return {"provider": {"id": request.provider_id},
                "items": pledge_items(request.pool_id, request.quantity, request.unit)}

    def init_order(self, request: PledgeOrder, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        return {**selected, "billing": {"name": request.billing_name}}

    def confirm_order(self, request: PledgeOrder, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return {**draft, "fulfillments": terms.get("fulfillments", []), "quote": terms.get("quote", {})}


POOL_PLEDGE = PoolPledge()
