"""A booking made from this node: its state (live), terms, receipt; cancel it, or take a held slot.

The state is what the seller last said (``on_confirm``, then each ``on_status`` it sends when the
merchant acts or a waitlist offer holds a slot), as the buyer inbox stores it; the page's state
part refreshes itself (``data-live``). Cancelling, asking again and taking a hold are the buyer's
own use cases (``cancel``, ``status``, ``confirm_held``), as ``duijie book`` calls them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.errors import ValidationFailed
from duijie.domain.hours import zone
from duijie.services.buyer import PeerError, SellerRefused
from duijie.services.errors import NotFound, ServiceError
from duijie.services.trade.reservation.buying import held_confirm_order, waitlist_entry
from duijie.web import csrf
from duijie.web.access import require_owner
from duijie.web.booking_pages import held_listing, not_found, seller_said
from duijie.web.templating import gettext_for, render


def state_labels(_: Any) -> dict[str, str]:
    """Each booking state in the visitor's language."""
    return {
        "HELD": _("Held for you"), "PENDING_APPROVAL": _("Waiting for the restaurant's approval"),
        "CONFIRMED": _("Confirmed"), "DECLINED": _("Declined"), "CANCELLED": _("Cancelled"),
        "NO_SHOW": _("No-show"), "COMPLETED": _("Completed"),
    }


def _instant(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
    except ValueError:
        return None


def _tag(order: dict[str, Any], group: str, code: str) -> str | None:
    for g in order.get("tags") or []:
        if isinstance(g, dict) and (g.get("descriptor") or {}).get("code") == group:
            for t in g.get("list") or []:
                if isinstance(t, dict) and (t.get("descriptor") or {}).get("code") == code:
                    return str(t.get("value"))
    return None


def booking_view(request: Request, purchase: dict[str, Any]) -> dict[str, Any]:
    """What the booking's page shows, read from the seller's latest order and this node's listing."""
    order = purchase.get("order") or {}
    item = (order.get("items") or [{}])[0] or {}
    fulfillment = (order.get("fulfillments") or [{}])[0] or {}
    stop = (fulfillment.get("stops") or [{}])[0] or {}
    span = (stop.get("time") or {}).get("range") or {}
    held = held_listing(request, str(purchase.get("provider_id") or ""))
    room = next((r for r in held.listing.resources if r.id == item.get("id")), None) if held else None
    location = held.listing.provider.location(room.location_id) if held and room else None
    price = (order.get("quote") or {}).get("price") or {}
    cancel_by = next((_instant((t.get("cancel_by") or {}).get("timestamp")) for t in order.get("cancellation_terms")
                      or [] if isinstance(t, dict) and (t.get("cancel_by") or {}).get("timestamp")), None)
    start = _instant(span.get("start"))
    state = str(purchase.get("fulfillment_state") or purchase.get("status") or "")
    return {
        "id": purchase["order_id"], "state": state, "state_label": state_labels(gettext_for(request)).get(state, state),
        "room_name": room.name if room else None, "room_id": item.get("id"),
        "item_name": (item.get("descriptor") or {}).get("name") or item.get("id"),
        "provider": held.listing.provider if held else None, "provider_id": purchase.get("provider_id"),
        "location": location, "tz": location.time_zone if location else None,
        "party": ((item.get("quantity") or {}).get("selected") or {}).get("count"),
        "start": start, "end": _instant(span.get("end")),
        "day": start.astimezone(zone(location.time_zone)) if start and location else start,
        "deposit": price if price.get("value") and price.get("currency") else None,
        "cancel_by": cancel_by, "refund_amount": _tag(order, "refund", "amount"),
        "refund_currency": _tag(order, "refund", "currency"),
        "waitlist": waitlist_entry(order), "hold_until": _instant(_tag(order, "waitlist", "hold_until")),
        "receipt_state": purchase.get("receipt_state"), "has_receipt": purchase.get("receipt") is not None,
        "requests": (stop.get("instructions") or {}).get("short_desc"),
        "open": state in ("HELD", "PENDING_APPROVAL", "CONFIRMED"),
    }


def _purchase(request: Request) -> dict[str, Any] | None:
    buyer = request.app.state.services.buyer
    if buyer is None:
        return None
    try:
        found: dict[str, Any] = buyer.purchase(request.path_params["order_id"])
    except NotFound:
        return None
    return found


def _missing(request: Request) -> Response:
    _ = gettext_for(request)
    return not_found(request, _("No booking %(id)s was made from this node.") % {"id": request.path_params["order_id"]})


async def booking_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    """``/bookings/{order_id}``: the booking as the seller last described it."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    purchase = _purchase(request)
    if purchase is None:
        return _missing(request)
    return render(request, "booking/booking.html", {"b": booking_view(request, purchase), "error": error},
                  status=status)


async def booking_live(request: Request) -> Response:
    """The state part of the booking's page (what ``data-live`` fetches)."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    purchase = _purchase(request)
    if purchase is None:
        return _missing(request)
    return render(request, "booking/_state.html", {"b": booking_view(request, purchase)})


async def _act(request: Request, action: str) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    purchase = _purchase(request)
    if purchase is None:
        return _missing(request)
    _ = gettext_for(request)
    buyer = request.app.state.services.buyer
    order_id = purchase["order_id"]
    try:
        if action == "cancel":
            reason = str(form.get("reason") or "").strip()[:500] or None
            await buyer.cancel(order_id, reason)
        elif action == "take":
            await buyer.confirm_held(order_id, held_confirm_order(purchase))
        else:
            await buyer.status(order_id)
    except SellerRefused as exc:
        return await booking_page(request, status=409, error=seller_said(request, exc) or _(
            "The restaurant refused: the booking cannot change now."))
    except PeerError:
        return await booking_page(request, error=_("The restaurant's node did not answer. Try again shortly."),
                                  status=502)
    except (ServiceError, ValidationFailed):  # e.g. a slot that is not (or no longer) held for this node
        return await booking_page(request, error=_("This booking is not held for you any more."), status=409)
    return RedirectResponse(f"/bookings/{order_id}", status_code=303)


async def cancel(request: Request) -> Response:
    return await _act(request, "cancel")


async def take(request: Request) -> Response:
    return await _act(request, "take")


async def refresh(request: Request) -> Response:
    return await _act(request, "status")


async def receipt(request: Request) -> Response:
    """The booking's receipt (signed by the seller, countersigned by this node), to keep or verify."""
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    purchase = _purchase(request)
    if purchase is None or purchase.get("receipt") is None:
        return _missing(request)
    body = orjson.dumps(purchase["receipt"], option=orjson.OPT_INDENT_2)
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="receipt-{purchase["order_id"]}.json"'})


routes: list[BaseRoute] = [
    Route("/bookings/{order_id}", booking_page, methods=["GET"]),
    Route("/bookings/{order_id}/live", booking_live, methods=["GET"]),
    Route("/bookings/{order_id}/cancel", cancel, methods=["POST"]),
    Route("/bookings/{order_id}/take", take, methods=["POST"]),
    Route("/bookings/{order_id}/refresh", refresh, methods=["POST"]),
    Route("/bookings/{order_id}/receipt.json", receipt, methods=["GET"]),
]
