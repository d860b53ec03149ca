"""The diner's cart → order for pickup → status page → receipt (on the buyer node, for its owner).

``POST /cart/add`` adds an item with its choices (a required choice missing is told beside it);
``GET /cart`` shows the lines and the order form (name, phone, pickup location and time, in the
location's zone); ``POST /cart/order`` checks the order with the domain's rules, then places it
with ``services.buyer`` (select → init → confirm with the seller) and goes to ``/orders/{id}``,
whose state part refreshes itself (``/orders/{id}/live``) as the merchant's ``on_status`` arrive.
``/orders/{id}/receipt.json`` downloads the receipt; the page shows it checked.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from duijie.domain.cart import Cart as DomainCart
from duijie.domain.cart import CartLine, Pickup, price_cart
from duijie.domain.errors import DomainError
from duijie.domain.hours import zone
from duijie.domain.order_errors import OrderError, OrderRule
from duijie.l10n.rule_texts import refusal_said
from duijie.protocol import jsonbytes
from duijie.services.buyer import BuyerService, OrderRequest, PeerError, SellerRefused
from duijie.services.errors import NotFound
from duijie.services.held_listings import HeldListing
from duijie.web import csrf
from duijie.web.access import require_owner
from duijie.web.diner_cart import Cart, Line, line_views, missing_choices, read_cart, write_cart
from duijie.web.diner_orders import order_view, refusal_field
from duijie.web.diner_views import Gettext, held_listing, services_of
from duijie.web.provider_pages import not_held, provider_context
from duijie.web.templating import gettext_for, render, request_lang

PHONE = re.compile(r"^[0-9+()\-. ]{4,40}$")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _buyer(request: Request) -> BuyerService | None:
    return services_of(request).buyer


async def add_to_cart(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    lang = request_lang(request)
    provider_id, item_id = _text(form, "provider"), _text(form, "item")
    held = await held_listing(request, provider_id, _text(form, "from"))
    if held is None:
        return await not_held(request, provider_id)
    item = held.listing.catalog.item(item_id)
    errors: dict[str, str] = {}
    chosen = tuple(v for k, v in form.multi_items() if k.startswith("g-") and isinstance(v, str) and v)
    try:
        quantity = int(_text(form, "quantity") or "1")
        if not 1 <= quantity <= 99:
            raise ValueError
    except ValueError:
        quantity = 0
        errors[item_id] = _("Choose a quantity from 1 to 99.")
    if item is None:
        errors[item_id] = _("This dish is no longer on the menu.")
    else:
        for group_id, (_count, low, high) in missing_choices(item, chosen).items():
            group = next(g for g in item.option_groups if g.id == group_id)
            name = group.name.best(lang)
            errors[f"{item_id}:{group_id}"] = (
                _("Choose %(n)s of “%(group)s”.") % {"n": low, "group": name} if low == high
                else _("Choose %(min)s to %(max)s of “%(group)s”.") % {"min": low, "max": high, "group": name})
    if errors:
        context = await provider_context(request, held)
        context["item_errors"] = errors
        return render(request, "diner/provider.html", context, status=422)
    cart = read_cart(request)
    if cart is None or (cart.provider_id, cart.subscriber_id) != (provider_id, held.bpp_id):
        cart = Cart(provider_id, held.bpp_id)  # one provider per order: a new provider starts anew
    cart = cart.added(Line(item_id, quantity, chosen))
    response = RedirectResponse(f"/p/{provider_id}?from={held.bpp_id}&added=1#item-{item_id}", 303)
    write_cart(response, cart, secure=_secure(request))
    return response


def _default_pickup(held: HeldListing, now: datetime) -> str:
    """Half an hour from now, on a quarter hour, in the first location's zone (datetime-local text)."""
    locations = held.listing.provider.locations
    tz = zone(locations[0].time_zone) if locations else None
    soon = (now + timedelta(minutes=44)).astimezone(tz)
    return soon.replace(minute=soon.minute - soon.minute % 15, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


async def _cart_page(request: Request, held: HeldListing | None, cart: Cart | None, values: dict[str, str],
                     errors: dict[str, str], status: int = 200) -> Response:
    lang = request_lang(request)
    lines, total = line_views(held.listing, cart, lang) if held is not None and cart is not None else ([], None)
    if held is not None and "pickup" not in values:
        values = {**values, "pickup": _default_pickup(held, services_of(request).clock.now())}
    return render(request, "diner/cart.html", {
        "held": held, "cart": cart, "lines": lines, "total": total, "values": values, "errors": errors,
    }, status=status)


async def cart_page(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    cart = read_cart(request)
    held = await held_listing(request, cart.provider_id, cart.subscriber_id) if cart is not None else None
    return await _cart_page(request, held, cart if held is not None else None, {}, {})


async def remove_line(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    cart = read_cart(request)
    response = RedirectResponse("/cart", 303)
    if cart is not None and _text(form, "line").isdigit():
        write_cart(response, cart.without(int(_text(form, "line"))), secure=_secure(request))
    return response


def _rule_error(exc: OrderError, held: HeldListing, location_id: str, _: Gettext, lang: str) -> tuple[str, str]:
    """The field an order rule's refusal belongs to, and what to tell the visitor there."""
    if exc.rule is OrderRule.LOCATION_CLOSED:
        loc = held.listing.provider.location(location_id)
        hours = loc.opening_hours if loc is not None and loc.opening_hours else "—"
        return "pickup", _("%(place)s is closed at that time (hours: %(hours)s). Choose another time.") % {
            "place": loc.name.best(lang) if loc is not None else location_id, "hours": hours}
    if exc.rule is OrderRule.ITEM_NOT_AVAILABLE_NOW:
        return "pickup", _("A dish in the cart is not served at that time. Choose another time.")
    if exc.rule in (OrderRule.ADD_ON_CHOICES, OrderRule.ADD_ON_NOT_FOUND):
        return "cart", _("A dish in the cart lacks a required choice: remove it and add it again with its choice.")
    if exc.rule is OrderRule.LOCATION_NOT_FOUND:
        return "location", _("Choose one of the restaurant's locations.")
    if exc.rule is OrderRule.QUANTITY_UNAVAILABLE:
        return "cart", _("Not that many are available: lower the quantity.")
    return "cart", _("A dish in the cart is no longer on the menu: remove it.")


def _checked(form: FormData, held: HeldListing, cart: Cart, now: datetime, _: Gettext,
             lang: str) -> tuple[dict[str, str], dict[str, str], datetime | None]:
    """The order form's values, an error per field, and the pickup instant."""
    values = {k: _text(form, k) for k in ("name", "phone", "location", "pickup")}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Give the name the order is for.")
    if not PHONE.match(values["phone"]) or not any(c.isdigit() for c in values["phone"]):
        errors["phone"] = _("Give a phone number, e.g. +1-202-555-0100.")
    loc = held.listing.provider.location(values["location"])
    if loc is None:
        errors["location"] = _("Choose one of the restaurant's locations.")
    at: datetime | None = None
    try:
        local = datetime.fromisoformat(values["pickup"])
        at = local.replace(tzinfo=zone(loc.time_zone)) if loc is not None and local.tzinfo is None else local
        if at.tzinfo is None or at < now - timedelta(minutes=5):
            errors["pickup"] = _("Choose a pickup time that is not in the past.")
    except (ValueError, DomainError):
        errors["pickup"] = _("Choose a date and time for the pickup.")
    if not errors and at is not None:
        lines = tuple(CartLine(x.item_id, x.quantity, x.add_ons) for x in cart.lines)
        try:
            pickup = Pickup(values["location"], at)
            price_cart(held.listing, DomainCart(cart.provider_id, lines), now=now, pickup=pickup)
        except OrderError as exc:
            key, message = _rule_error(exc, held, values["location"], _, lang)
            errors[key] = message
    return values, errors, at


async def place_order(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    form = await csrf.checked_form(request)
    _ = gettext_for(request)
    lang = request_lang(request)
    cart = read_cart(request)
    held = await held_listing(request, cart.provider_id, cart.subscriber_id) if cart is not None else None
    buyer = _buyer(request)
    if cart is None or held is None or not cart.lines:
        return await _cart_page(request, None, None, {}, {"cart": _("The cart is empty.")}, 422)
    values, errors, at = _checked(form, held, cart, services_of(request).clock.now(), _, lang)
    if not errors and (buyer is None or held.bpp_uri is None):
        errors["cart"] = _("This node cannot order: it has no buyer role or does not know where the seller is.")
    if errors or at is None or buyer is None or held.bpp_uri is None:
        return await _cart_page(request, held, cart, values, errors, 422)
    req = OrderRequest(held.bpp_uri, cart.provider_id, values["location"],
                       tuple((x.item_id, x.quantity, x.add_ons) for x in cart.lines), values["name"], values["phone"],
                       "pickup", at.isoformat(), held.bpp_id)
    try:
        placed = await buyer.order(req)
    except SellerRefused as exc:
        key = refusal_field(exc.code)
        errors[key] = refusal_said(exc.reason, _) or {  # the seller's rule, when it names one
            "pickup": _("The restaurant cannot hand over an order at that time. Choose another time."),
            "cart": _("The restaurant refused a dish in the cart (no longer offered, or a choice is missing)."),
        }.get(key, _("The restaurant refused the order."))
        return await _cart_page(request, held, cart, values, errors, 409)
    except PeerError:
        errors["cart"] = _("The restaurant's node did not answer. Nothing was ordered; try again in a moment.")
        return await _cart_page(request, held, cart, values, errors, 502)
    response = RedirectResponse(f"/orders/{placed['order_id']}", 303)
    write_cart(response, None, secure=_secure(request))
    return response


async def _order_context(request: Request) -> dict[str, Any] | None:
    buyer = _buyer(request)
    if buyer is None:
        return None
    try:
        purchase = buyer.purchase(request.path_params["order_id"])
    except NotFound:
        return None
    held = await held_listing(request, str(purchase.get("provider_id") or ""), purchase.get("bpp_id"))
    check = await asyncio.to_thread(buyer.check_receipt, purchase["receipt"]) if purchase.get("receipt") else None
    return order_view(purchase, held, check, request_lang(request))


async def _order_missing(request: Request) -> Response:
    _ = gettext_for(request)
    return render(request, "error.html", {
        "title": _("No such order"), "message": _("This node placed no order with that number.")}, status=404)


async def _order_rendered(request: Request, template: str) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    context = await _order_context(request)
    if context is None:
        return await _order_missing(request)
    return render(request, template, context)


async def order_page(request: Request) -> Response:
    return await _order_rendered(request, "diner/order.html")


async def order_live(request: Request) -> Response:
    """The order's state part alone, for the page's live refresh."""
    return await _order_rendered(request, "diner/order_live.html")


async def receipt_download(request: Request) -> Response:
    who = await require_owner(request)
    if isinstance(who, Response):
        return who
    buyer = _buyer(request)
    try:
        purchase = buyer.purchase(request.path_params["order_id"]) if buyer is not None else None
    except NotFound:
        purchase = None
    if purchase is None or not purchase.get("receipt"):
        _ = gettext_for(request)
        return render(request, "error.html", {"title": _("No receipt"),
                                              "message": _("This order has no receipt (yet).")}, status=404)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", purchase["order_id"])
    return Response(jsonbytes.dumps(purchase["receipt"], sort_keys=True), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="receipt-{name}.json"',
                             "Cache-Control": "no-store"})


routes: list[BaseRoute] = [
    Route("/cart", cart_page, methods=["GET"]),
    Route("/cart/add", add_to_cart, methods=["POST"]),
    Route("/cart/remove", remove_line, methods=["POST"]),
    Route("/cart/order", place_order, methods=["POST"]),
    Route("/orders/{order_id}", order_page, methods=["GET"]),
    Route("/orders/{order_id}/live", order_live, methods=["GET"]),
    Route("/orders/{order_id}/receipt.json", receipt_download, methods=["GET"]),
]
