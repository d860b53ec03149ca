"""Pricing a cart into a quote: lines, chosen add-ons, totals; stock and hours respected.

Rules (each refusal is an ``OrderError`` naming its ``OrderRule``):

- a cart has at least one line and every quantity is at least 1;
- every item exists in the provider's catalog (ITEM_NOT_FOUND);
- every add-on is an option of one of the item's option groups (ADD_ON_NOT_FOUND), chosen at most
  once, and each group gets between ``min_choices`` and ``max_choices`` choices (ADD_ON_CHOICES);
- the quantity of one item over all lines does not exceed its stock (QUANTITY_UNAVAILABLE);
- a pickup is at a location of the provider (LOCATION_NOT_FOUND) that is open at the pickup time,
  the requested time or else ``now``; a location without opening hours takes no pickups
  (LOCATION_CLOSED), because "unknown" must never be read as "open";
- an item with ``available_hours`` can be ordered only inside them (ITEM_NOT_AVAILABLE_NOW).

A line costs ``unit price × quantity`` plus ``add-on price × quantity`` for each chosen add-on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from duijie.domain.catalog import Item, Option, OptionGroup
from duijie.domain.hours import HoursState, OpeningHours, zone
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.order_errors import OrderError, OrderRule
from duijie.domain.text import LocalText


def add_on_id(group: OptionGroup, option: Option) -> str:
    """The add-on id used on the wire: ``group:option`` (option ids repeat across groups)."""
    return f"{group.id}:{option.id}"


@dataclass(frozen=True, slots=True)
class CartLine:
    """What the buyer wants of one item: how many, with which add-ons (``group:option`` or bare option ids)."""

    item_id: str
    quantity: int
    add_on_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cart:
    """The buyer's selection from one provider (Beckn: one provider per order)."""

    provider_id: str
    lines: tuple[CartLine, ...]


@dataclass(frozen=True, slots=True)
class Pickup:
    """Self-pickup at a location of the provider, at ``at`` (None: as soon as possible)."""

    location_id: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PricedAddOn:
    """A chosen add-on with its price per unit of the line's item."""

    id: str
    name: LocalText
    unit_price: Money


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One priced line: ``total = unit_price × quantity + Σ add-on unit price × quantity``."""

    item_id: str
    name: LocalText
    quantity: int
    unit_price: Money
    add_ons: tuple[PricedAddOn, ...]
    total: Money

    @property
    def base_total(self) -> Money:
        """The item without its add-ons, for the quantity ordered."""
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Quote:
    """The priced cart; ``total`` is the sum of the line totals, in one currency."""

    provider_id: str
    lines: tuple[QuoteLine, ...]
    total: Money


def _resolve_add_ons(item: Item, wanted: tuple[str, ...]) -> tuple[PricedAddOn, ...]:
    chosen: list[tuple[OptionGroup, Option]] = []
    for ref in wanted:
        matches = [(g, o) for g in item.option_groups for o in g.options if ref == add_on_id(g, o) or ref == o.id]
        exact = [(g, o) for g, o in matches if ref == add_on_id(g, o)]
        if exact:
            matches = exact
        if len(matches) != 1:
            why = "is ambiguous" if matches else "is not an add-on"
            raise OrderError(OrderRule.ADD_ON_NOT_FOUND, f"{ref!r} {why} of item {item.id!r}")
        if matches[0] in chosen:
            raise OrderError(OrderRule.ADD_ON_CHOICES, f"add-on {ref!r} chosen twice for item {item.id!r}")
        chosen.append(matches[0])
    for group in item.option_groups:
        count = sum(1 for g, _ in chosen if g.id == group.id)
        if not group.min_choices <= count <= group.max_choices:
            raise OrderError(
                OrderRule.ADD_ON_CHOICES,
                f"item {item.id!r}: choose {group.min_choices}..{group.max_choices} of "
                f"{group.name.both()!r} ({group.id}), got {count}",
            )
    return tuple(PricedAddOn(add_on_id(g, o), o.name, o.price) for g, o in chosen)


def _check_pickup(listing: Listing, pickup: Pickup, now: datetime) -> str:
    location = listing.provider.location(pickup.location_id)
    if location is None:
        raise OrderError(OrderRule.LOCATION_NOT_FOUND, f"no location {pickup.location_id!r} in {listing.id}")
    at = pickup.at or now
    status = listing.open_status(location.id, at)
    if status.state is HoursState.UNKNOWN:
        raise OrderError(
            OrderRule.LOCATION_CLOSED, f"{location.name.both()} has no opening hours, so it takes no pickups"
        )
    if status.state is not HoursState.OPEN:
        local = at.astimezone(zone(location.time_zone))
        reopens = f"; it opens again at {status.next_change.isoformat()}" if status.next_change else ""
        raise OrderError(
            OrderRule.LOCATION_CLOSED,
            f"{location.name.both()} is closed at {local:%a %Y-%m-%d %H:%M %Z} "
            f"(hours: {location.opening_hours}){reopens}",
        )
    return location.time_zone


def _check_item_hours(item: Item, time_zone: str | None, at: datetime) -> None:
    if item.available_hours is None or time_zone is None:
        return
    if not OpeningHours(item.available_hours, time_zone).is_open(at):
        raise OrderError(
            OrderRule.ITEM_NOT_AVAILABLE_NOW,
            f"item {item.name.both()!r} is served only {item.available_hours} ({time_zone})",
        )


def price_cart(listing: Listing, cart: Cart, *, now: datetime, pickup: Pickup | None = None) -> Quote:
    """Price ``cart`` against ``listing`` at ``now`` (aware), checking the pickup when one is given."""
    if not cart.lines:
        raise OrderError(OrderRule.EMPTY_CART, "the cart has no items")
    time_zone: str | None = None
    if pickup is not None:
        time_zone = _check_pickup(listing, pickup, now)
    elif listing.provider.locations:
        time_zone = listing.provider.locations[0].time_zone
    at = (pickup.at if pickup else None) or now
    wanted: dict[str, int] = {}
    lines: list[QuoteLine] = []
    for line in cart.lines:
        if line.quantity < 1:
            raise OrderError(OrderRule.INVALID_QUANTITY, f"quantity of {line.item_id!r} must be at least 1")
        item = listing.catalog.item(line.item_id)
        if item is None:
            raise OrderError(OrderRule.ITEM_NOT_FOUND, f"no item {line.item_id!r} in {listing.id}")
        wanted[item.id] = wanted.get(item.id, 0) + line.quantity
        if item.stock is not None and wanted[item.id] > item.stock:
            raise OrderError(
                OrderRule.QUANTITY_UNAVAILABLE,
                f"only {item.stock} of {item.name.both()!r} available, {wanted[item.id]} asked",
            )
        _check_item_hours(item, time_zone, at)
        add_ons = _resolve_add_ons(item, line.add_on_ids)
        total = item.price * line.quantity
        for add_on in add_ons:
            total = total + add_on.unit_price * line.quantity
        lines.append(QuoteLine(item.id, item.name, line.quantity, item.price, add_ons, total))
    grand = lines[0].total
    for priced in lines[1:]:
        grand = grand + priced.total
    return Quote(listing.id, tuple(lines), grand)
