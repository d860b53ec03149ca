"""The food order for pickup as a kind of trade, buyer side: what the buyer asks for, as Beckn orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duijie.protocol.mapping.pickup_request import confirm_order, pickup_init_order, pickup_select_order

FULFILLMENT_TYPES = {"pickup": "Self-Pickup", "delivery": "Delivery"}


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the buyer wants: one provider, items with counts and add-ons, billing, pickup place/time."""

    bpp_uri: str
    provider_id: str
    location_id: str
    items: tuple[tuple[str, int, tuple[str, ...]], ...]
    billing_name: str
    billing_phone: str
    fulfillment_type: str = "pickup"
    pickup_time: str | None = None
    bpp_id: str | None = None


class FoodPurchase:
    """:class:`~duijie.services.trade.kinds.BuyerKind` of a food order for pickup."""

    def select_order(self, request: OrderRequest) -> dict[str, Any]:
        kind = FULFILLMENT_TYPES.get(request.fulfillment_type, request.fulfillment_type)
        return pickup_select_order(request.provider_id, request.location_id, request.items, kind,
                                   request.pickup_time)

    def init_order(self, request: OrderRequest, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        return pickup_init_order(selected, quoted, request.billing_name, request.billing_phone)

    def confirm_order(self, request: OrderRequest, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        return confirm_order(draft, terms)


FOOD_PURCHASE = FoodPurchase()
