from __future__ import annotations

from decimal import Decimal

import pytest

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.listing import Listing
from duijie.domain.money import Money
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.text import LocalText


def usd(s: str) -> Money:
    return Money.parse(s, "USD")


def test_money_refuses_floats() -> None:
    with pytest.raises(DomainError) as exc:
        Money(0.1, "USD")  # type: ignore[arg-type]
    assert exc.value.code is ErrorCode.INVALID_MONEY


def test_money_refuses_lowercase_currency() -> None:
    with pytest.raises(DomainError):
        Money(Decimal("1"), "usd")


@pytest.mark.parametrize("code", ["RMB", "XYZ", "US", "EURO"])
def test_money_refuses_what_is_not_an_iso_4217_code(code: str) -> None:
    with pytest.raises(DomainError) as exc:
        Money(Decimal("1"), code)
    assert code in exc.value.message and "ISO 4217" in exc.value.message


def test_money_takes_the_yuan_by_its_code() -> None:
    assert Money(Decimal("1"), "CNY").currency == "CNY"


def test_money_keeps_the_merchants_scale_on_the_wire() -> None:
    assert usd("12.50").to_wire() == "12.50"
    assert (usd("0.10") + usd("0.20")).to_wire() == "0.30"


def test_adding_different_currencies_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        _ = usd("1") + Money.parse("1", "CNY")
    assert exc.value.code is ErrorCode.CURRENCY_MISMATCH


def test_price_for_uses_the_highest_tier_reached(farm: Listing) -> None:
    apples = farm.offer("apples")
    assert apples.price_for(1) == usd("3.00")
    assert apples.price_for(99) == usd("3.00")
    assert apples.price_for(100) == usd("2.60")
    assert apples.price_for(10_000) == usd("2.20")
    assert apples.total_for(500) == usd("1100.00")


def test_quantity_below_first_tier_is_refused() -> None:
    offer = ProducerOffer("x", LocalText(en="X"), "kg", (PriceTier(10, usd("1")),))
    with pytest.raises(DomainError) as exc:
        offer.price_for(5)
    assert exc.value.code is ErrorCode.QUANTITY_BELOW_MINIMUM


def test_price_rising_with_quantity_is_reported_on_that_tier() -> None:
    tiers = (PriceTier(1, usd("2.00")), PriceTier(50, usd("2.10")))
    offer = ProducerOffer("x", LocalText(en="X"), "kg", tiers)
    problems = offer.problems()
    assert [p for p, _ in problems] == ["tiers[1].unit_price"]
    assert "rises" in problems[0][1]


def test_tiers_out_of_order_and_mixed_currency_are_reported() -> None:
    offer = ProducerOffer(
        "x", LocalText(en="X"), "kg",
        (PriceTier(50, usd("2.00")), PriceTier(10, Money.parse("1.00", "CNY"))), minimum_batch=0,
    )
    paths = {p for p, _ in offer.problems()}
    assert paths == {"minimum_batch", "tiers[1].min_quantity", "tiers[1].unit_price"}
