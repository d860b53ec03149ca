"""Pools: tiers, thresholds, rounding, pledge validation and the close rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from duijie.domain.money import Money
from duijie.domain.offers import PriceTier, ProducerOffer
from duijie.domain.pool_allocation import allocate
from duijie.domain.pools import Pledge, Pool, PoolError, PoolRule, PoolState, PoolTerms
from duijie.domain.text import LocalText

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(hours=2)


def usd(s: str) -> Money:
    return Money(Decimal(s), "USD")


APPLES = ProducerOffer(
    id="apples", name=LocalText("富士苹果", "Fuji apples"), unit="kg",
    tiers=(PriceTier(1, usd("3.00")), PriceTier(100, usd("2.60")), PriceTier(500, usd("2.20"))),
    minimum_batch=200,
)
NOODLES = ProducerOffer(id="noodles-case", name=LocalText(None, "noodles"), unit="case",
                        tiers=(PriceTier(1, usd("48.00")), PriceTier(20, usd("44.00"))), minimum_batch=50)


def pool(offer: ProducerOffer = APPLES, maximum: str | None = None) -> Pool:
    terms = PoolTerms(offer, "farm.example", "farm", DEADLINE, ("community hall",),
                      Decimal(maximum) if maximum else None)
    return Pool.open("P1", "organizer.example", terms, NOW)


def pledged(p: Pool, *quantities: str) -> Pool:
    for i, q in enumerate(quantities):
        p = p.pledge(f"pl{i}", f"buyer{i}", Decimal(q), NOW)
    return p


def rule_of(exc: pytest.ExceptionInfo[PoolError]) -> PoolRule:
    return exc.value.rule


def test_progress_reports_total_buyers_tier_and_what_is_missing() -> None:
    prog = pledged(pool(), "60", "50.5").progress(NOW + timedelta(minutes=30))
    assert prog.pledged == Decimal("110.5")
    assert prog.buyers == 2
    assert prog.tier is not None and prog.tier.min_quantity == 100
    assert prog.unit_price == usd("2.60")
    assert prog.to_next_tier == Decimal("389.5")
    assert prog.to_minimum == Decimal("89.5")
    assert prog.remaining is None
    assert prog.time_left == timedelta(minutes=90)


def test_progress_at_the_best_tier_has_no_next_and_time_left_never_negative() -> None:
    prog = pledged(pool(), "500").progress(DEADLINE + timedelta(hours=1))
    assert prog.to_next_tier is None and prog.to_minimum == 0 and prog.time_left == timedelta(0)
    assert prog.unit_price == usd("2.20")


def test_empty_pool_has_no_tier() -> None:
    prog = pool().progress(NOW)
    assert prog.tier is None and prog.unit_price is None and prog.to_next_tier == 1 and prog.to_minimum == 200


@pytest.mark.parametrize("quantity, rule", [
    ("0", PoolRule.QUANTITY_NOT_POSITIVE), ("-3", PoolRule.QUANTITY_NOT_POSITIVE),
    ("NaN", PoolRule.QUANTITY_NOT_POSITIVE), ("1.0005", PoolRule.QUANTITY_NOT_DIVISIBLE),
])
def test_bad_quantities_are_refused_naming_the_rule(quantity: str, rule: PoolRule) -> None:
    with pytest.raises(PoolError) as exc:
        pool().pledge("x", "b", Decimal(quantity), NOW)
    assert rule_of(exc) is rule and rule.value in str(exc.value)


def test_cases_are_pledged_whole_kilograms_may_be_fractional() -> None:
    with pytest.raises(PoolError) as exc:
        pool(NOODLES).pledge("x", "b", Decimal("1.5"), NOW)
    assert rule_of(exc) is PoolRule.QUANTITY_NOT_DIVISIBLE and "case" in str(exc.value)
    assert pool(NOODLES).pledge("x", "b", Decimal("2.000"), NOW).total == 2
    assert pool().pledge("x", "b", Decimal("1.5"), NOW).total == Decimal("1.5")


def test_a_pledge_after_the_deadline_or_close_is_refused() -> None:
    with pytest.raises(PoolError) as exc:
        pool().pledge("x", "b", Decimal(1), DEADLINE)
    assert rule_of(exc) is PoolRule.POOL_CLOSED
    closed, _ = pledged(pool(), "10").close()
    with pytest.raises(PoolError) as exc:
        closed.pledge("y", "b", Decimal(1), NOW)
    assert rule_of(exc) is PoolRule.POOL_CLOSED


def test_a_pledge_beyond_the_remaining_maximum_is_refused_and_reaching_it_makes_the_pool_due() -> None:
    p = pledged(pool(maximum="250"), "200")
    with pytest.raises(PoolError) as exc:
        p.pledge("x", "b", Decimal("50.001"), NOW)
    assert rule_of(exc) is PoolRule.BEYOND_MAXIMUM and "50" in str(exc.value)
    assert not p.is_due(NOW)
    full = p.pledge("x", "b", Decimal(50), NOW)
    assert full.is_due(NOW) and full.progress(NOW).remaining == 0


def test_only_the_pledger_changes_or_withdraws_its_pledge() -> None:
    p = pledged(pool(), "10", "20")
    with pytest.raises(PoolError) as exc:
        p.change("pl0", "buyer1", Decimal(5), NOW)
    assert rule_of(exc) is PoolRule.NOT_THE_PLEDGER
    with pytest.raises(PoolError) as exc:
        p.withdraw("pl0", "intruder", NOW)
    assert rule_of(exc) is PoolRule.NOT_THE_PLEDGER
    with pytest.raises(PoolError) as exc:
        p.withdraw("nope", "buyer0", NOW)
    assert rule_of(exc) is PoolRule.PLEDGE_NOT_FOUND
    assert p.change("pl0", "buyer0", Decimal(15), NOW).total == 35
    assert p.withdraw("pl1", "buyer1", NOW).total == 10


def test_a_change_is_checked_against_the_maximum_without_its_old_quantity() -> None:
    p = pledged(pool(maximum="200"), "150", "50")
    assert p.change("pl0", "buyer0", Decimal(150), NOW).total == 200
    with pytest.raises(PoolError) as exc:
        p.change("pl0", "buyer0", Decimal(151), NOW)
    assert rule_of(exc) is PoolRule.BEYOND_MAXIMUM


def test_terms_are_frozen_after_the_first_pledge_unless_every_pledger_consents() -> None:
    p = pledged(pool(), "10", "20")
    cheaper = PoolTerms(APPLES, "farm.example", "farm", DEADLINE + timedelta(days=1), ("hall",))
    with pytest.raises(PoolError) as exc:
        p.amend(cheaper, frozenset({"buyer0"}), NOW)
    assert rule_of(exc) is PoolRule.TERMS_FROZEN and "buyer1" in str(exc.value)
    amended = p.amend(cheaper, frozenset({"buyer0", "buyer1"}), NOW)
    assert amended.terms == cheaper
    assert amended.terms_version == 2
    assert pool().amend(cheaper, frozenset(), NOW).terms == cheaper  # no pledges: no consent needed


def test_a_change_is_consented_only_when_every_pledger_accepted_it() -> None:
    p = pledged(pool(), "10", "20", "5")  # buyer0, buyer1, buyer2
    assert not p.consented(frozenset({"buyer0", "buyer1"}))
    assert p.consented(frozenset({"buyer0", "buyer1", "buyer2", "someone-else"}))
    assert p.withdraw("pl2", "buyer2", NOW).consented(frozenset({"buyer0", "buyer1"}))  # a decliner left
    assert pool().consented(frozenset())  # nobody to ask
    with pytest.raises(ValueError, match="every pledge loaded"):  # a pool read for one pledge cannot judge it
        replace(p, pledges=p.pledges[:1], prior=Decimal(25)).consented(frozenset({"buyer0"}))


def test_unsound_terms_are_refused_at_open() -> None:
    terms = PoolTerms(APPLES, "f", "farm", NOW - timedelta(seconds=1), (), Decimal(100))
    with pytest.raises(PoolError) as exc:
        Pool.open("P", "o", terms, NOW)
    message = str(exc.value)
    assert rule_of(exc) is PoolRule.INVALID_TERMS
    assert "deadline" in message and "pickup_points" in message and "maximum" in message


def test_close_below_the_minimum_fails_and_allocates_nothing() -> None:
    closed, outcome = pledged(pool(), "100", "99.999").close()
    assert closed.state is PoolState.FAILED and outcome.state is PoolState.FAILED
    assert outcome.allocations == () and outcome.unit_price is None


def test_close_at_the_minimum_allocates_every_pledge_at_the_one_tier_price() -> None:
    closed, outcome = pledged(pool(), "80", "70", "50").close()
    assert closed.state is PoolState.SUCCEEDED
    assert outcome.unit_price == usd("2.60")  # 200 kg reached the 100 kg tier, for everyone
    assert [a.unit_price for a in outcome.allocations] == [usd("2.60")] * 3
    assert sum(a.quantity for a in outcome.allocations) == outcome.total == 200
    assert outcome.batch_total == usd("520.00")
    assert [a.total for a in outcome.allocations] == [usd("208.00"), usd("182.00"), usd("130.00")]


def test_close_reaching_the_top_tier_prices_everyone_at_it() -> None:
    _, outcome = pledged(pool(), "1", "499").close()
    assert outcome.unit_price == usd("2.20")
    assert outcome.allocations[0].total == usd("2.20")


def test_rounding_leaves_no_cent_unaccounted() -> None:
    third = usd("0.01")
    pledges = [Pledge(f"p{i}", f"b{i}", Decimal("0.333"), NOW) for i in range(3)]
    batch, allocations = allocate(pledges, third)
    # 0.999 * 0.01 = 0.00999 -> 0.01 for the batch; each exact share 0.00333 rounds down to 0.
    assert batch == usd("0.01")
    assert [a.total.amount for a in allocations] == [Decimal("0.01"), Decimal("0.00"), Decimal("0.00")]
    odd = [Pledge(f"p{i}", f"b{i}", q, NOW) for i, q in enumerate([Decimal("1.005"), Decimal("2.335"), Decimal("3")])]
    batch, allocations = allocate(odd, usd("2.99"))
    assert sum((a.total.amount for a in allocations), Decimal(0)) == batch.amount == Decimal("18.96")


def test_zero_decimal_currencies_round_to_whole_units() -> None:
    yen = Money(Decimal(333), "JPY")
    batch, allocations = allocate([Pledge("a", "x", Decimal("1.5"), NOW)], yen)
    assert batch.amount == Decimal(500) and allocations[0].total.amount == Decimal(500)


def test_a_pool_closes_once() -> None:
    closed, _ = pledged(pool(), "300").close()
    with pytest.raises(PoolError) as exc:
        closed.close()
    assert rule_of(exc) is PoolRule.POOL_CLOSED


def test_due_at_the_deadline_and_cancel_releases() -> None:
    p = pledged(pool(), "10")
    assert not p.is_due(DEADLINE - timedelta(seconds=1)) and p.is_due(DEADLINE)
    cancelled = p.cancel()
    assert cancelled.state is PoolState.CANCELLED and not cancelled.is_due(DEADLINE)
    with pytest.raises(PoolError):
        cancelled.cancel()


def test_a_pool_read_for_one_pledge_counts_the_others_as_prior() -> None:
    from dataclasses import replace
    summary = replace(pool(maximum="250"), prior=Decimal(240))
    assert summary.total == 240 and summary.tier_reached() is not None
    with pytest.raises(PoolError) as exc:
        summary.pledge("x", "b", Decimal(11), NOW)
    assert rule_of(exc) is PoolRule.BEYOND_MAXIMUM
    assert summary.pledge("x", "b", Decimal(10), NOW).is_due(NOW)
    with pytest.raises(ValueError):
        summary.close()  # only a pool read whole is closed
