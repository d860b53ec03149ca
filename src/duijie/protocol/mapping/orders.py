"""Beckn order (select/init/confirm/update) ↔ domain Cart, Pickup, Billing, Quote and Order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from duijie.domain.cart import Cart, CartLine, Pickup, Quote
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.orders import CANCELLABLE, Billing, Draft, Order, OrderState, PaymentTerms
from duijie.protocol.context import format_timestamp
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.mapping.catalog import (
    _get,
    _tag_group,
    descriptor,
    location_to_beckn,
    pickup_fulfillment_id,
    price,
)
from duijie.protocol.mapping.codes import PICKUP, QUOTE_TTL, MappingError, beckn_status


def provider_id_of(order: dict[str, Any]) -> str | None:
    """The provider an order is for (Beckn: exactly one)."""
    found = _get(order, "provider", "id")
    return found if isinstance(found, str) else None


def cart_from_order(order: dict[str, Any], provider_id: str) -> Cart:
    """The cart in ``order.items``: id, ``quantity.selected.count`` (default 1), ``add_ons[].id``."""
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "order.items is empty", "message.order.items")
    lines = []
    for n, item in enumerate(items):
        item_id = _get(item, "id")
        if not isinstance(item_id, str):
            raise MappingError(BecknErrorCode.INVALID_REQUEST, "an item has no id", f"message.order.items[{n}].id")
        count = _get(item, "quantity", "selected", "count")
        add_ons = tuple(str(a["id"]) for a in item.get("add_ons") or [] if isinstance(a, dict) and "id" in a)
        lines.append(CartLine(item_id, count if isinstance(count, int) else 1, add_ons))
    return Cart(provider_id, tuple(lines))


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def pickup_from_order(order: dict[str, Any]) -> Pickup | None:
    """The Self-Pickup of ``order.fulfillments[0]`` (location by stop or fulfillment id, time); None if absent."""
    f = _get(order, "fulfillments", 0)
    if not isinstance(f, dict):
        return None
    kind = str(f.get("type") or PICKUP)
    if kind.lower() not in ("self-pickup", "pickup", "takeaway"):
        raise MappingError(
            BecknErrorCode.FULFILLMENT_UNAVAILABLE,
            f"{kind} is not offered; only Self-Pickup",
            "message.order.fulfillments[0].type",
        )
    raw_stops = f.get("stops")
    stops: list[Any] = raw_stops if isinstance(raw_stops, list) else []
    location_id = next((s["location"]["id"] for s in stops if isinstance(_get(s, "location", "id"), str)), None)
    fid = f.get("id")
    if location_id is None and isinstance(fid, str) and fid.startswith("pickup-"):
        location_id = fid.removeprefix("pickup-")
    if location_id is None:
        raise MappingError(
            BecknErrorCode.PROVIDER_LOCATION_NOT_FOUND,
            "name the pickup location (stops[].location.id)",
            "message.order.fulfillments[0].stops",
        )
    raw_time = next(
        (
            _get(s, "time", "timestamp") or _get(s, "time", "range", "start")
            for s in stops
            if _get(s, "time") is not None
        ),
        None,
    )
    at = _parse_time(raw_time)
    if raw_time is not None and at is None:
        raise MappingError(
            BecknErrorCode.INVALID_REQUEST,
            f"pickup time {raw_time!r} is not an RFC 3339 time",
            "message.order.fulfillments[0].stops",
        )
    return Pickup(location_id, at)


def billing_from_order(order: dict[str, Any]) -> Billing | None:
    b = order.get("billing")
    if not isinstance(b, dict):
        return None
    address = b.get("address")
    return Billing(b.get("name"), b.get("phone"), b.get("email"), address if isinstance(address, str) else None)


def payment_from_order(order: dict[str, Any]) -> PaymentTerms:
    kind = _get(order, "payments", 0, "type") or PaymentTerms.ON_FULFILLMENT.value
    try:
        return PaymentTerms(kind)
    except ValueError:
        raise MappingError(
            BecknErrorCode.PAYMENT_NOT_SUPPORTED,
            f"payment type {kind} is not accepted; pay at pickup (ON-FULFILLMENT) or in advance (PRE-ORDER)",
            "message.order.payments[0].type",
        ) from None


# ---- outbound: quotes and orders ----------------------------------------------------------------


def quote_to_beckn(quote: Quote) -> dict[str, Any]:
    """A Quotation: one breakup row per line (item × qty) and one per add-on (add-on × qty).

    The quote id is derived from the content, so the same quote always has the same id.
    """
    breakup: list[dict[str, Any]] = []
    for ln in quote.lines:
        qty = {"selected": {"count": ln.quantity}}
        breakup.append(
            {
                "item": {"id": ln.item_id, "quantity": qty},
                "title": f"{ln.name.both()} × {ln.quantity}",
                "price": price(ln.base_total),
            }
        )
        for a in ln.add_ons:
            breakup.append(
                {
                    "item": {"id": ln.item_id, "add_ons": [{"id": a.id}]},
                    "title": f"{a.name.both()} × {ln.quantity}",
                    "price": price(a.unit_price * ln.quantity),
                }
            )
    digest = "|".join(f"{b['item']['id']}:{b['title']}:{b['price']['value']}" for b in breakup)
    quote_id = uuid.uuid5(uuid.NAMESPACE_URL, f"duijie:quote:{quote.provider_id}:{digest}:{quote.total}")
    return {"id": str(quote_id), "price": price(quote.total), "breakup": breakup, "ttl": QUOTE_TTL}


def _order_items(quote: Quote, fulfillment_id: str | None) -> list[dict[str, Any]]:
    items = []
    for ln in quote.lines:
        item: dict[str, Any] = {
            "id": ln.item_id,
            "descriptor": descriptor(ln.name),
            "price": price(ln.unit_price),
            "quantity": {"selected": {"count": ln.quantity}},
        }
        if ln.add_ons:
            item["add_ons"] = [
                {"id": a.id, "descriptor": descriptor(a.name), "price": price(a.unit_price)} for a in ln.add_ons
            ]
        if fulfillment_id:
            item["fulfillment_ids"] = [fulfillment_id]
        items.append(item)
    return items


def _pickup_fulfillment(
    listing: Listing, pickup: Pickup, state: OrderState | None, updated_at: datetime | None
) -> dict[str, Any]:
    stop: dict[str, Any] = {"type": "end"}
    loc = listing.provider.location(pickup.location_id)
    stop["location"] = location_to_beckn(loc) if loc else {"id": pickup.location_id}
    if pickup.at is not None:
        stop["time"] = {"timestamp": format_timestamp(pickup.at)}
    if loc and loc.phones:
        stop["contact"] = {"phone": loc.phones[0]}
    out: dict[str, Any] = {
        "id": pickup_fulfillment_id(pickup.location_id),
        "type": PICKUP,
        "tracking": False,
        "stops": [stop],
    }
    if state is not None:
        out["state"] = {"descriptor": {"code": state.value, "name": state.value.capitalize()}}
        if updated_at is not None:
            out["state"]["updated_at"] = format_timestamp(updated_at)
    return out


def _billing(b: Billing) -> dict[str, str]:
    return {k: v for k, v in (("name", b.name), ("phone", b.phone), ("email", b.email), ("address", b.address)) if v}


def _payments(terms: PaymentTerms, total: Money) -> list[dict[str, Any]]:
    pay: dict[str, Any] = {
        "id": "pay-1",
        "type": terms.value,
        "status": "NOT-PAID",
        "collected_by": "BPP",
        "params": {"amount": total.to_wire(), "currency": total.currency},
    }
    label = "pay at pickup" if terms is PaymentTerms.ON_FULFILLMENT else "pay in full before preparation"
    pay["tags"] = [_tag_group("terms", {"label": label})]
    return [pay]


def cancellation_terms() -> list[dict[str, Any]]:
    """Free cancellation while CREATED or ACCEPTED; refused from READY on (see domain.orders)."""
    return [
        {
            "fulfillment_state": {"descriptor": {"code": s.value}},
            "reason_required": False,
            "cancellation_fee": {"percentage": "0"},
        }
        for s in sorted(CANCELLABLE)
    ]


def draft_to_beckn(draft: Draft, listing: Listing, *, with_terms: bool) -> dict[str, Any]:
    """The order of ``on_select`` (quote) or ``on_init`` (``with_terms``: fulfillment, billing, payments)."""
    fid = pickup_fulfillment_id(draft.pickup.location_id) if draft.pickup else None
    out: dict[str, Any] = {
        "provider": {"id": listing.id, "descriptor": descriptor(listing.provider.name)},
        "items": _order_items(draft.quote, fid),
    }
    if draft.pickup is not None:
        out["fulfillments"] = [_pickup_fulfillment(listing, draft.pickup, None, None)]
    out["quote"] = quote_to_beckn(draft.quote)
    if with_terms:
        if draft.billing is not None:
            out["billing"] = _billing(draft.billing)
        out["payments"] = _payments(draft.payment, draft.quote.total)
        out["cancellation_terms"] = cancellation_terms()
    return out


def order_to_beckn(order: Order, listing: Listing) -> dict[str, Any]:
    """The full Beckn Order: id, status, provider, items, fulfillment state, quote, payments, terms."""
    fid = pickup_fulfillment_id(order.pickup.location_id)
    out: dict[str, Any] = {
        "id": order.id,
        "status": beckn_status(order.state),
        "type": "DEFAULT",
        "provider": {"id": listing.id, "descriptor": descriptor(listing.provider.name)},
        "items": _order_items(order.quote, fid),
    }
    if order.billing is not None:
        out["billing"] = _billing(order.billing)
    out["fulfillments"] = [_pickup_fulfillment(listing, order.pickup, order.state, order.updated_at)]
    out["quote"] = quote_to_beckn(order.quote)
    out["payments"] = _payments(order.payment, order.quote.total)
    out["cancellation_terms"] = cancellation_terms()
    if order.state in (OrderState.CANCELLED, OrderState.DECLINED):
        by = "CONSUMER" if order.state is OrderState.CANCELLED else "PROVIDER"
        out["cancellation"] = {
            "time": format_timestamp(order.updated_at),
            "cancelled_by": by,
            "reason": {
                "id": order.state.value.lower(),
                "descriptor": {"name": order.reason or order.state.value.lower()},
            },
        }
    if order.rating is not None:
        out["tags"] = [_tag_group("rating", {"value": str(order.rating)})]
    out["created_at"] = format_timestamp(order.created_at)
    out["updated_at"] = format_timestamp(order.updated_at)
    return out


def tracking_to_beckn(order: Order, listing: Listing) -> dict[str, Any]:
    """Pickup orders have no moving agent: tracking shows the pickup location, active until the order ends."""
    loc = listing.provider.location(order.pickup.location_id)
    out: dict[str, Any] = {"id": order.id, "status": "inactive" if order.state.is_final else "active"}
    if loc is not None:
        out["location"] = location_to_beckn(loc)
    return out


def support_to_beckn(ref_id: str | None, listing: Listing, location_id: str | None) -> dict[str, Any]:
    """Support: the phone of the order's location (or the provider's first), and its email/web contacts."""
    loc = listing.provider.location(location_id) if location_id else None
    phones = (loc.phones if loc else ()) or next((x.phones for x in listing.provider.locations if x.phones), ())
    out: dict[str, Any] = {}
    if ref_id:
        out["ref_id"] = ref_id
    if phones:
        out["phone"] = phones[0]
    for contact in listing.provider.contacts:
        if contact.kind.value == "email" and "email" not in out:
            out["email"] = contact.value
        if contact.kind.value == "web" and "url" not in out:
            out["url"] = contact.value
    return out


def rating_value(ratings: Any, order_id: str | None = None) -> tuple[str, int]:
    """The (order id, value) of the first Order/Fulfillment/Provider rating; MappingError otherwise."""
    if not isinstance(ratings, list) or not ratings:
        raise MappingError(BecknErrorCode.INVALID_REQUEST, "no ratings given", "message.ratings")
    first = ratings[0] if isinstance(ratings[0], dict) else {}
    category = first.get("rating_category", "Order")
    if category not in ("Order", "Fulfillment", "Provider"):
        raise MappingError(
            BecknErrorCode.UNSUPPORTED_RATING_CATEGORY,
            f"rating category {category} is not rated here",
            "message.ratings[0].rating_category",
        )
    target = first.get("id") or order_id
    raw = first.get("value")
    if not isinstance(target, str) or not isinstance(raw, str) or not raw.strip().isdigit():
        raise MappingError(
            BecknErrorCode.INVALID_RATING_VALUE, "a rating needs the order id and a value 1..5", "message.ratings[0]"
        )
    return target, int(raw)
