"""Pricing a cart: lines, add-ons and their limits, stock, location hours and item hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from duijie.domain.cart import Cart, CartLine, Pickup, price_cart
from duijie.domain.catalog import Catalog
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.order_errors import OrderError, OrderRule

NY = ZoneInfo("America/New_York")
FRIDAY_2230 = datetime(2026, 11, 27, 22, 30, tzinfo=NY)
SUNDAY_2230 = datetime(2026, 11, 29, 22, 30, tzinfo=NY)
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=NY)


def cart(*lines: CartLine) -> Cart:
    return Cart("chuanshan", lines)


def with_item(listing: Listing, item_id: str, **changes: object) -> Listing:
    items = tuple(replace(i, **changes) if i.id == item_id else i for i in listing.catalog.items)  # type: ignore[arg-type]
    return listing.with_catalog(Catalog(listing.catalog.sections, items))


def refusal(listing: Listing, c: Cart, **kwargs: object) -> OrderRule:
    with pytest.raises(OrderError) as caught:
        price_cart(listing, c, now=WEDNESDAY_NOON, **kwargs)  # type: ignore[arg-type]
    return caught.value.rule


def test_line_total_is_unit_price_times_quantity_plus_add_ons(chuanshan: Listing) -> None:
    quote = price_cart(
        chuanshan,
        cart(CartLine("roujiamo", 2, ("extra:meat", "pepper")), CartLine("yangrou-paomo", 1)),
        now=WEDNESDAY_NOON,
    )
    first, second = quote.lines
    assert first.total == Money(Decimal("6.95") * 2 + Decimal("2.50") * 2 + Decimal("0.50") * 2, "USD")
    assert [a.id for a in first.add_ons] == ["extra:meat", "extra:pepper"]
    assert first.base_total == Money(Decimal("13.90"), "USD")
    assert second.total == Money(Decimal("14.95"), "USD")
    assert quote.total == Money(Decimal("34.85"), "USD")


def test_unknown_item_is_item_not_found(chuanshan: Listing) -> None:
    assert refusal(chuanshan, cart(CartLine("pizza", 1))) is OrderRule.ITEM_NOT_FOUND


def test_unknown_add_on_is_refused(chuanshan: Listing) -> None:
    assert refusal(chuanshan, cart(CartLine("roujiamo", 1, ("cheese",)))) is OrderRule.ADD_ON_NOT_FOUND


def test_add_on_of_another_item_is_refused(chuanshan: Listing) -> None:
    assert refusal(chuanshan, cart(CartLine("yangrou-paomo", 1, ("extra:meat",)))) is OrderRule.ADD_ON_NOT_FOUND


def test_required_choice_missing_is_refused(chuanshan: Listing) -> None:
    # 凉皮 needs exactly one heat level (min 1, max 1).
    assert refusal(chuanshan, cart(CartLine("liangpi", 1))) is OrderRule.ADD_ON_CHOICES
    assert price_cart(chuanshan, cart(CartLine("liangpi", 1, ("heat:mild",))), now=WEDNESDAY_NOON).lines


def test_too_many_choices_in_a_group_is_refused(chuanshan: Listing) -> None:
    assert refusal(chuanshan, cart(CartLine("liangpi", 1, ("heat:mild", "heat:hot")))) is OrderRule.ADD_ON_CHOICES


def test_the_same_add_on_twice_is_refused(chuanshan: Listing) -> None:
    assert refusal(chuanshan, cart(CartLine("roujiamo", 1, ("extra:meat", "meat")))) is OrderRule.ADD_ON_CHOICES


def test_quantity_beyond_stock_over_all_lines_is_refused(chuanshan: Listing) -> None:
    limited = with_item(chuanshan, "yangrou-paomo", stock=3)
    assert price_cart(limited, cart(CartLine("yangrou-paomo", 3)), now=WEDNESDAY_NOON).total.amount > 0
    rule = refusal(limited, cart(CartLine("yangrou-paomo", 2), CartLine("yangrou-paomo", 2)))
    assert rule is OrderRule.QUANTITY_UNAVAILABLE


def test_zero_quantity_and_empty_cart_are_refused(chuanshan: Listing) -> None:
    assert refusal(chuanshan, cart(CartLine("roujiamo", 0))) is OrderRule.INVALID_QUANTITY
    assert refusal(chuanshan, cart()) is OrderRule.EMPTY_CART


def test_pickup_friday_2230_in_new_york_is_open(chuanshan: Listing) -> None:
    quote = price_cart(
        chuanshan, cart(CartLine("roujiamo", 1)), now=WEDNESDAY_NOON, pickup=Pickup("rockville", FRIDAY_2230)
    )
    assert quote.total == Money(Decimal("6.95"), "USD")


def test_pickup_sunday_2230_in_new_york_is_closed_and_says_so(chuanshan: Listing) -> None:
    with pytest.raises(OrderError) as caught:
        price_cart(
            chuanshan, cart(CartLine("roujiamo", 1)), now=WEDNESDAY_NOON, pickup=Pickup("rockville", SUNDAY_2230)
        )
    assert caught.value.rule is OrderRule.LOCATION_CLOSED
    assert "closed" in caught.value.message and "22:30" in caught.value.message


def test_pickup_without_time_is_checked_at_now(chuanshan: Listing) -> None:
    closed_now = datetime(2026, 11, 26, 3, 0, tzinfo=NY)
    with pytest.raises(OrderError) as caught:
        price_cart(chuanshan, cart(CartLine("roujiamo", 1)), now=closed_now, pickup=Pickup("dc"))
    assert caught.value.rule is OrderRule.LOCATION_CLOSED


def test_location_without_hours_takes_no_pickup(chuanshan: Listing) -> None:
    locations = tuple(replace(loc, opening_hours=None) for loc in chuanshan.provider.locations)
    no_hours = replace(chuanshan, provider=replace(chuanshan.provider, locations=locations))
    rule = refusal(no_hours, cart(CartLine("roujiamo", 1)), pickup=Pickup("rockville", FRIDAY_2230))
    assert rule is OrderRule.LOCATION_CLOSED


def test_unknown_pickup_location_is_refused(chuanshan: Listing) -> None:
    rule = refusal(chuanshan, cart(CartLine("roujiamo", 1)), pickup=Pickup("baltimore", FRIDAY_2230))
    assert rule is OrderRule.LOCATION_NOT_FOUND


def test_item_hours_are_respected_at_the_pickup_time(chuanshan: Listing) -> None:
    lunch_only = with_item(chuanshan, "liangpi", available_hours="Mo-Su 11:00-15:00")
    line = CartLine("liangpi", 1, ("heat:mild",))
    assert price_cart(lunch_only, cart(line), now=WEDNESDAY_NOON, pickup=Pickup("dc", WEDNESDAY_NOON)).lines
    rule = refusal(lunch_only, cart(line), pickup=Pickup("dc", FRIDAY_2230))
    assert rule is OrderRule.ITEM_NOT_AVAILABLE_NOW
