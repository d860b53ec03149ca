"""What the diner's order page shows: a purchase read into names, pickup, steps, total and receipt check."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from duijie.domain.orders import OrderState
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.receipts import ReceiptCheck
from duijie.services.held_listings import HeldListing

STEPS = (OrderState.CREATED, OrderState.ACCEPTED, OrderState.READY, OrderState.COMPLETED)
"""The way an order goes when all is well, shown as steps."""

_PICKUP_CODES = {str(c.value) for c in (BecknErrorCode.FULFILLMENT_UNAVAILABLE,
                                        BecknErrorCode.PROVIDER_LOCATION_NOT_FOUND)}
_CART_CODES = {str(c.value) for c in (BecknErrorCode.ITEM_NOT_FOUND, BecknErrorCode.ADD_ON_NOT_FOUND,
                                      BecknErrorCode.ITEM_QUANTITY_UNAVAILABLE)}


def refusal_field(code: str | None) -> str:
    """The order form's field a seller's refusal (BECKN-005 ``code``) is about: pickup, cart or form."""
    if code in _PICKUP_CODES:
        return "pickup"
    if code in _CART_CODES:
        return "cart"
    return "form"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _instant(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _amount(price: dict[str, Any]) -> tuple[Decimal, str] | None:
    try:
        return Decimal(str(price["value"])), str(price["currency"])
    except (KeyError, InvalidOperation):
        return None


def order_view(purchase: dict[str, Any], held: HeldListing | None, check: ReceiptCheck | None,
               lang: str) -> dict[str, Any]:
    """The order page's facts, read defensively from the seller's latest answer."""
    order = _dict(purchase.get("order"))
    listing = held.listing if held is not None else None
    lines = []
    for raw in _list(order.get("items")):
        item = _dict(raw)
        known = listing.catalog.item(str(item.get("id"))) if listing is not None else None
        count = _dict(_dict(item.get("quantity")).get("selected")).get("count", 1)
        add_ons = []
        for add_on in _list(item.get("add_ons")):
            ref = str(_dict(add_on).get("id", ""))
            group_id, _sep, option_id = ref.partition(":")
            names = [o.name.best(lang) for g in (known.option_groups if known else ()) if g.id == group_id
                     for o in g.options if o.id == option_id]
            add_ons.append(names[0] if names else ref)
        lines.append({"name": known.name.best(lang) if known else str(item.get("id")), "count": count,
                      "add_ons": add_ons})
    fulfillment = _dict((_list(order.get("fulfillments")) or [{}])[0])
    stop = _dict((_list(fulfillment.get("stops")) or [{}])[0])
    location_id = str(_dict(stop.get("location")).get("id") or "")
    location = listing.provider.location(location_id) if listing is not None and location_id else None
    state = str(purchase.get("fulfillment_state") or "CREATED").upper()
    reached = [s.value for s in STEPS[: [s.value for s in STEPS].index(state) + 1]] if state in STEPS else []
    billing = _dict(order.get("billing"))
    return {
        "purchase": purchase,
        "order_id": purchase["order_id"],
        "provider": listing.provider.name.best(lang) if listing is not None else purchase.get("provider_id"),
        "provider_id": purchase.get("provider_id"),
        "from_id": purchase.get("bpp_id"),
        "lines": lines,
        "total": _amount(_dict(_dict(order.get("quote")).get("price"))),
        "location": location.name.best(lang) if location is not None else location_id,
        "address": f"{location.address.street}, {location.address.locality}" if location is not None else "",
        "time_zone": location.time_zone if location is not None else None,
        "region": location.address.country if location is not None else None,  # the phone as dialled there
        "pickup_at": _instant(_dict(stop.get("time")).get("timestamp")),
        "name": billing.get("name"),
        "phone": billing.get("phone"),
        "state": state,
        "steps": [s.value for s in STEPS],
        "reached": reached,
        "final": state in {s.value for s in OrderState if s.is_final},
        "receipt": purchase.get("receipt"),
        "receipt_state": purchase.get("receipt_state"),
        "check": check,
        "updated_at": _instant(purchase.get("updated_at")),
    }
