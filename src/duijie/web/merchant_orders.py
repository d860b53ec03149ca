"""The merchant inbox's orders as the page shows them: guest, phone, pickup place and local time,
lines with their add-ons in the visitor's language, total, and the steps the merchant may take.

Built from what :meth:`duijie.services.trade.merchant.MerchantService.list_orders` answers (the
same orders the JSON API and CLI show), with the names of places, dishes and add-ons read from the
provider's listing in the visitor's language (the order's own bilingual text when the listing no
longer has them).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from duijie.domain.catalog import Item
from duijie.domain.listing import Listing
from duijie.domain.orders import OrderState

FINISHED_SHOWN = 20
"""Finished orders (completed, declined, cancelled) the inbox still shows, newest first."""


class Step(enum.StrEnum):
    """A merchant's button on an order; the value is the last part of its POST path."""

    ACCEPT = "accept"
    DECLINE = "decline"
    READY = "ready"
    COMPLETE = "complete"


STEPS: dict[OrderState, tuple[Step, ...]] = {
    OrderState.CREATED: (Step.ACCEPT, Step.DECLINE),
    OrderState.ACCEPTED: (Step.READY,),
    OrderState.READY: (Step.COMPLETE,),
}
"""What may be done from each state (the domain refuses anything else anyway)."""

_ORDER = {OrderState.CREATED: 0, OrderState.ACCEPTED: 1, OrderState.READY: 2}


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    quantity: int
    add_ons: tuple[str, ...]
    total: Decimal


@dataclass(frozen=True, slots=True)
class OrderCard:
    """One order of the inbox, ready for the template (times are aware; ``zone`` is the pickup
    location's, so ``fmt.datetime(pickup_at, zone)`` reads as the clock on the restaurant's wall)."""

    id: str
    state: OrderState
    guest: str | None
    phone: str | None
    email: str | None
    place: str
    zone: str | None
    region: str | None  # the pickup location's country (ISO 3166-1): the guest's phone as dialled there
    pickup_at: datetime | None
    placed_at: datetime
    lines: tuple[Line, ...]
    total: Decimal
    currency: str
    reason: str | None

    @property
    def steps(self) -> tuple[Step, ...]:
        return STEPS.get(self.state, ())

    @property
    def is_new(self) -> bool:
        return self.state is OrderState.CREATED


def _when(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _add_on_name(item: Item | None, ref: str, lang: str) -> str:
    if item is not None:
        group_id, _, option_id = ref.partition(":")
        for group in item.option_groups:
            for option in group.options:
                if (group.id == group_id and option.id == option_id) or option.id == ref:
                    return option.name.best(lang)
    return ref


def card(order: dict[str, Any], listing: Listing | None, lang: str) -> OrderCard:
    """One order of ``list_orders`` as the page shows it in ``lang``."""
    pickup = order.get("pickup") or {}
    billing = order.get("billing") or {}
    location = listing.provider.location(pickup.get("location_id", "")) if listing is not None else None
    lines = []
    for ln in order["lines"]:
        item = listing.catalog.item(ln["item_id"]) if listing is not None else None
        name = item.name.best(lang) if item is not None else str(ln["name"])
        add_ons = tuple(_add_on_name(item, ref, lang) for ref in ln["add_ons"])
        lines.append(Line(name, int(ln["quantity"]), add_ons, Decimal(ln["total"])))
    return OrderCard(
        id=order["id"],
        state=OrderState(order["state"]),
        guest=billing.get("name"),
        phone=billing.get("phone"),
        email=billing.get("email"),
        place=location.name.best(lang) if location is not None else str(pickup.get("location_id") or ""),
        zone=location.time_zone if location is not None else pickup.get("time_zone"),
        region=location.address.country if location is not None else None,
        pickup_at=_when(pickup.get("at")),
        placed_at=_when(order["created_at"]) or datetime.fromisoformat(order["updated_at"]),
        lines=tuple(lines),
        total=Decimal(order["total"]["amount"]),
        currency=order["total"]["currency"],
        reason=order.get("reason"),
    )


def inbox_cards(orders: Iterable[dict[str, Any]], listing_of: Callable[[str], Listing | None],
                lang: str) -> list[OrderCard]:
    """Open orders first (new, accepted, ready; oldest pickup first within each), then the
    newest :data:`FINISHED_SHOWN` finished ones."""
    listings: dict[str, Listing | None] = {}
    cards = []
    for order in orders:
        pid = order["provider_id"]
        if pid not in listings:  # one listing read per provider, not per order
            listings[pid] = listing_of(pid)
        cards.append(card(order, listings[pid], lang))
    open_ = sorted((c for c in cards if not c.state.is_final),
                   key=lambda c: (_ORDER[c.state], c.pickup_at or c.placed_at, c.placed_at))
    done = sorted((c for c in cards if c.state.is_final), key=lambda c: c.placed_at, reverse=True)
    return open_ + done[:FINISHED_SHOWN]
