"""The order state machine: every legal and illegal transition, cancellation terms, update, rating."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from duijie.domain.cart import Pickup, Quote, QuoteLine
from duijie.domain.money import Money
from duijie.domain.order_errors import OrderError, OrderRule
from duijie.domain.orders import MERCHANT, Draft, Order, OrderState
from duijie.domain.text import LocalText

T0 = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
BUYER = "buyer.example"
USD = "USD"


def quote(total: str = "6.95") -> Quote:
    line = QuoteLine(
        "roujiamo", LocalText("肉夹馍", "Roujiamo"), 1, Money(Decimal(total), USD), (), Money(Decimal(total), USD)
    )
    return Quote("chuanshan", (line,), Money(Decimal(total), USD))


def new_order() -> Order:
    return Order.create("O-1", BUYER, "t-1", Draft("chuanshan", quote(), Pickup("rockville", T0)), T0)


Step = Callable[[Order], Order]
STEPS: dict[str, Step] = {
    "accept": lambda o: o.accept(T0),
    "decline": lambda o: o.decline("sold out", T0),
    "ready": lambda o: o.mark_ready(T0),
    "complete": lambda o: o.complete(T0),
    "cancel": lambda o: o.cancel(BUYER, T0),
}
PATHS: dict[OrderState, list[str]] = {
    OrderState.CREATED: [],
    OrderState.ACCEPTED: ["accept"],
    OrderState.READY: ["accept", "ready"],
    OrderState.COMPLETED: ["accept", "ready", "complete"],
    OrderState.DECLINED: ["decline"],
    OrderState.CANCELLED: ["cancel"],
}
LEGAL = {
    (OrderState.CREATED, "accept"): OrderState.ACCEPTED,
    (OrderState.CREATED, "decline"): OrderState.DECLINED,
    (OrderState.CREATED, "cancel"): OrderState.CANCELLED,
    (OrderState.ACCEPTED, "ready"): OrderState.READY,
    (OrderState.ACCEPTED, "cancel"): OrderState.CANCELLED,
    (OrderState.READY, "complete"): OrderState.COMPLETED,
}


def order_in(state: OrderState) -> Order:
    order = new_order()
    for name in PATHS[state]:
        order = STEPS[name](order)
    assert order.state is state
    return order


@pytest.mark.parametrize("state", list(OrderState))
@pytest.mark.parametrize("step", list(STEPS))
def test_each_transition_is_legal_exactly_where_the_machine_allows_it(state: OrderState, step: str) -> None:
    order = order_in(state)
    target = LEGAL.get((state, step))
    if target is None:
        with pytest.raises(OrderError) as caught:
            STEPS[step](order)
        expected = OrderRule.CANCELLATION_NOT_POSSIBLE if step == "cancel" else OrderRule.ILLEGAL_TRANSITION
        assert caught.value.rule is expected
        assert state.value in caught.value.message
    else:
        moved = STEPS[step](order)
        assert moved.state is target
        assert moved.history[-1].state is target
        assert order.state is state  # immutable: the old value is untouched


def test_new_order_is_created_with_history_by_the_buyer() -> None:
    order = new_order()
    assert order.state is OrderState.CREATED
    assert [(h.state, h.by) for h in order.history] == [(OrderState.CREATED, BUYER)]


def test_history_records_state_time_and_actor() -> None:
    later = T0 + timedelta(minutes=5)
    order = new_order().accept(later).mark_ready(later).complete(later)
    assert [h.state for h in order.history] == [
        OrderState.CREATED,
        OrderState.ACCEPTED,
        OrderState.READY,
        OrderState.COMPLETED,
    ]
    assert all(h.by == MERCHANT for h in order.history[1:])
    assert order.history[1].at == later and order.updated_at == later


def test_decline_keeps_the_reason() -> None:
    assert new_order().decline("kitchen closed early", T0).reason == "kitchen closed early"


def test_only_the_buyer_may_cancel() -> None:
    with pytest.raises(OrderError) as caught:
        new_order().cancel("someone.else", T0)
    assert caught.value.rule is OrderRule.CANCELLATION_NOT_POSSIBLE


def test_update_is_allowed_only_before_acceptance() -> None:
    bigger = quote("13.90")
    assert new_order().update_quote(bigger, BUYER, T0).quote.total == Money(Decimal("13.90"), USD)
    for state in (OrderState.ACCEPTED, OrderState.READY, OrderState.CANCELLED):
        with pytest.raises(OrderError) as caught:
            order_in(state).update_quote(bigger, BUYER, T0)
        assert caught.value.rule is OrderRule.UPDATE_NOT_POSSIBLE


def test_update_by_another_subscriber_is_refused() -> None:
    with pytest.raises(OrderError) as caught:
        new_order().update_quote(quote(), "other", T0)
    assert caught.value.rule is OrderRule.UPDATE_NOT_POSSIBLE


def test_rating_only_by_the_buyer_of_a_completed_order_from_1_to_5() -> None:
    done = order_in(OrderState.COMPLETED)
    assert done.rate(5, BUYER, T0).rating == 5
    with pytest.raises(OrderError) as by_other:
        done.rate(5, "other.buyer", T0)
    assert by_other.value.rule is OrderRule.RATING_NOT_ALLOWED
    with pytest.raises(OrderError) as too_early:
        order_in(OrderState.READY).rate(4, BUYER, T0)
    assert too_early.value.rule is OrderRule.RATING_NOT_ALLOWED
    for bad in (0, 6):
        with pytest.raises(OrderError) as out_of_range:
            done.rate(bad, BUYER, T0)
        assert out_of_range.value.rule is OrderRule.INVALID_RATING


def test_confirming_a_draft_without_pickup_is_refused() -> None:
    with pytest.raises(OrderError) as caught:
        Order.create("O-2", BUYER, "t-2", Draft("chuanshan", quote()), T0)
    assert caught.value.rule is OrderRule.FULFILLMENT_UNAVAILABLE


def test_final_states_are_final() -> None:
    assert {s for s in OrderState if s.is_final} == {OrderState.COMPLETED, OrderState.DECLINED, OrderState.CANCELLED}
