"""The diner's cart: lines of one provider kept in a cookie, and the checks made before ordering.

The cart is the visitor's own (the node's owner at their browser), so it lives in their browser
(``duijie_cart``, HttpOnly): item ids, counts and add-on ids of one provider — Beckn orders come
from one provider — read back against the listing the node holds every time it is shown, so a
changed menu cannot be ordered from a stale cart. The order's rules are the domain's
(:func:`duijie.domain.cart.price_cart`), checked here first so a missing choice or a closed
location is told next to its field before anything is sent to the seller.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from duijie.domain.catalog import Item
from duijie.domain.listing import Listing
from duijie.domain.money import Money

COOKIE = "duijie_cart"
MAX_LINES = 50


@dataclass(frozen=True, slots=True)
class Line:
    """One cart line: an item, how many, with which add-ons (``group:option``)."""

    item_id: str
    quantity: int
    add_ons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cart:
    """The lines of one provider held by one node (``subscriber_id``)."""

    provider_id: str
    subscriber_id: str
    lines: tuple[Line, ...] = ()

    def added(self, line: Line) -> Cart:
        """The cart with ``line`` added (the same item with the same choices adds up)."""
        lines = list(self.lines)
        for i, old in enumerate(lines):
            if old.item_id == line.item_id and sorted(old.add_ons) == sorted(line.add_ons):
                lines[i] = Line(old.item_id, min(old.quantity + line.quantity, 999), old.add_ons)
                return Cart(self.provider_id, self.subscriber_id, tuple(lines))
        return Cart(self.provider_id, self.subscriber_id, tuple([*lines, line][-MAX_LINES:]))

    def without(self, index: int) -> Cart:
        return Cart(self.provider_id, self.subscriber_id, tuple(x for i, x in enumerate(self.lines) if i != index))


def read_cart(request: Request) -> Cart | None:
    """The visitor's cart, or None (no cookie, or one that is not a cart)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        doc = orjson.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        lines = tuple(Line(str(i), int(q), tuple(str(a) for a in adds)) for i, q, adds in doc["l"])
        return Cart(str(doc["p"]), str(doc["f"]), lines)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def write_cart(response: Response, cart: Cart | None, *, secure: bool) -> None:
    """Keep ``cart`` in the visitor's browser (None or empty: forget it)."""
    if cart is None or not cart.lines:
        response.delete_cookie(COOKIE, path="/")
        return
    lines = [[x.item_id, x.quantity, x.add_ons] for x in cart.lines]
    doc = {"p": cart.provider_id, "f": cart.subscriber_id, "l": lines}
    value = base64.urlsafe_b64encode(orjson.dumps(doc)).decode().rstrip("=")
    response.set_cookie(COOKIE, value, max_age=7 * 24 * 3600, httponly=True, samesite="lax", secure=secure, path="/")


def missing_choices(item: Item, chosen: tuple[str, ...]) -> dict[str, tuple[int, int, int]]:
    """Option groups of ``item`` whose count of ``chosen`` add-ons is outside its bounds:
    group id → (chosen, min, max)."""
    out = {}
    for group in item.option_groups:
        count = sum(1 for a in chosen if a.split(":", 1)[0] == group.id)
        if not group.min_choices <= count <= group.max_choices:
            out[group.id] = (count, group.min_choices, group.max_choices)
    return out


def line_views(listing: Listing, cart: Cart, lang: str) -> tuple[list[dict[str, Any]], Money | None]:
    """The cart's lines as shown (names, chosen add-ons, line totals) and the cart's total."""
    views: list[dict[str, Any]] = []
    total: Money | None = None
    for index, line in enumerate(cart.lines):
        item = listing.catalog.item(line.item_id)
        if item is None:
            views.append({"index": index, "name": line.item_id, "quantity": line.quantity, "add_ons": [],
                          "total": None, "gone": True})
            continue
        unit = item.price
        names = []
        for ref in line.add_ons:
            group_id, _, option_id = ref.partition(":")
            for group in item.option_groups:
                for option in group.options if group.id == group_id else ():
                    if option.id == option_id:
                        unit = unit + option.price
                        names.append(option.name.best(lang))
        line_total = unit * line.quantity
        total = line_total if total is None else total + line_total
        views.append({"index": index, "name": item.name.best(lang), "quantity": line.quantity, "add_ons": names,
                      "total": line_total, "gone": False, "item_id": item.id})
    return views, total
