"""Provenance rules: a sound origin, a relisting that keeps to the producer's offer, markups per tier."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from duijie.domain.money import Money
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.provenance import Markup, Origin, markups, relisting_problems
from duijie.domain.text import LocalText

ORIGIN = Origin(LocalText("弗雷德里克", "Frederick, MD"), date(2026, 10, 12))


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


APPLES = ProducerOffer("apples", LocalText("富士苹果", "Fuji apples"), "kg",
                       (PriceTier(1, usd("3.00")), PriceTier(100, usd("2.60")), PriceTier(500, usd("2.20"))),
                       200, origin=ORIGIN)


def test_an_origin_needs_a_place_and_a_harvest_date_or_batch() -> None:
    assert ORIGIN.problems() == []
    assert Origin(LocalText(None, "Frederick"), batch="FJ-41").problems() == []
    paths = [p for p, _ in Origin(LocalText(" ", None)).problems()]
    assert paths == ["place", "harvest_date"]


def test_a_harvest_date_after_today_is_refused() -> None:
    problems = ORIGIN.problems(today=date(2026, 10, 1))
    assert problems == [("harvest_date", "2026-10-12 is in the future")]


def test_an_offer_with_a_broken_origin_names_the_field() -> None:
    offer = replace(APPLES, origin=Origin(LocalText(None, "Frederick")))
    assert ("origin.harvest_date", "a harvest date or a batch is required") in offer.problems()


def test_markups_compare_like_for_like_at_every_threshold() -> None:
    relisted = replace(APPLES, tiers=(PriceTier(1, usd("3.50")), PriceTier(50, usd("3.20"))), minimum_batch=1)
    got = markups(APPLES, relisted)
    assert [(m.quantity, m.producer_price.amount, m.relisted_price.amount) for m in got] == [
        (1, Decimal("3.00"), Decimal("3.50")), (50, Decimal("3.00"), Decimal("3.20")),
        (100, Decimal("2.60"), Decimal("3.20")), (500, Decimal("2.20"), Decimal("3.20"))]
    assert got[0].amount == usd("0.50") and got[0].percent == Decimal("16.7")


def test_a_relisting_below_the_producers_price_has_a_negative_markup() -> None:
    m = Markup(1, usd("3.00"), usd("2.70"))
    assert m.amount == usd("-0.30") and m.percent == Decimal("-10.0")


def test_markups_start_where_both_offers_price() -> None:
    relisted = replace(APPLES, tiers=(PriceTier(10, usd("3.40")),))
    assert [m.quantity for m in markups(APPLES, relisted)] == [10, 100, 500]


def test_a_relisting_keeps_the_unit_currency_and_origin() -> None:
    assert relisting_problems(APPLES, replace(APPLES, tiers=(PriceTier(1, usd("3.50")),))) == []
    other_unit = replace(APPLES, unit="lb")
    assert [p for p, _ in relisting_problems(APPLES, other_unit)] == ["unit"]
    cny = replace(APPLES, tiers=(PriceTier(1, Money(Decimal("25"), "CNY")),))
    assert [p for p, _ in relisting_problems(APPLES, cny)] == ["tiers"]
    assert markups(APPLES, cny) == ()
    moved = replace(APPLES, origin=Origin(LocalText(None, "Yantai"), batch="X"))
    assert relisting_problems(APPLES, moved) == [
        ("origin", "the relisting claims another origin than the producer's signed offer")]


def test_a_producer_offer_without_origin_cannot_be_relisted_as_source() -> None:
    bare = replace(APPLES, origin=None)
    assert [p for p, _ in relisting_problems(bare, APPLES)] == ["origin"]
