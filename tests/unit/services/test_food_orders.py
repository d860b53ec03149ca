"""The food order's seller rules, against the in-memory unit of work (no database, no wire)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
from tests.unit.services.fakes import FakeListings, FakeUnitOfWork

from duijie.domain.cart import Cart, CartLine, Pickup
from duijie.domain.listing import Listing
from duijie.domain.order_errors import OrderError, OrderRule
from duijie.domain.orders import Billing, OrderState, PaymentTerms
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol.errors import BecknErrorCode
from duijie.services.trade.food.orders import Buyer, DraftTerms, FoodOrders
from duijie.services.trade.kinds import Refused

NY = ZoneInfo("America/New_York")
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=NY)
FRIDAY_2230 = datetime(2026, 11, 27, 22, 30, tzinfo=NY)
BUYER = Buyer("diner.test", "tx-1")
CONTEXT = {"bap_id": "diner.test", "transaction_id": "tx-1"}


@pytest.fixture(scope="module")
def chuanshan() -> Listing:
    text = resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8")
    return listing_from_document(json.loads(text))


@pytest.fixture
def uow(chuanshan: Listing) -> FakeUnitOfWork:
    return FakeUnitOfWork(FakeListings(chuanshan))


@pytest.fixture
def orders() -> FoodOrders:
    ids = itertools.count(1)
    return FoodOrders(lambda: f"O-{next(ids)}")


def cart(*lines: CartLine) -> Cart:
    return Cart("chuanshan", lines)


ROUJIAMO_2 = DraftTerms(cart=cart(CartLine("roujiamo", 2)))
AT_ROCKVILLE = DraftTerms(pickup=Pickup("rockville", FRIDAY_2230), billing=Billing("王芳", "+1-202-555-0100"))


def confirmed(orders: FoodOrders, uow: FakeUnitOfWork, listing: Listing, buyer: Buyer = BUYER) -> str:
    orders.quote(uow, buyer, listing, ROUJIAMO_2, WEDNESDAY_NOON, need_pickup=False)
    order = orders.confirm(uow, buyer, listing, AT_ROCKVILLE, WEDNESDAY_NOON, bap_uri="http://diner.test/beckn",
                           context=CONTEXT)
    return order.id


def test_select_prices_the_cart_and_keeps_the_draft_for_the_transaction(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    draft = orders.quote(uow, BUYER, chuanshan, ROUJIAMO_2, WEDNESDAY_NOON, need_pickup=False)
    assert str(draft.quote.total.amount) == "13.90"
    assert uow.drafts.get("diner.test", "tx-1") == draft


def test_init_without_a_pickup_is_refused_as_fulfillment_unavailable(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    with pytest.raises(Refused) as refused:
        orders.quote(uow, BUYER, chuanshan, ROUJIAMO_2, WEDNESDAY_NOON, need_pickup=True)
    assert refused.value.code is BecknErrorCode.FULFILLMENT_UNAVAILABLE


def test_init_naming_no_items_keeps_the_selected_cart_and_adds_pickup_and_billing(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    orders.quote(uow, BUYER, chuanshan, ROUJIAMO_2, WEDNESDAY_NOON, need_pickup=False)
    draft = orders.quote(uow, BUYER, chuanshan, AT_ROCKVILLE, WEDNESDAY_NOON, need_pickup=True)
    assert [(ln.item_id, ln.quantity) for ln in draft.quote.lines] == [("roujiamo", 2)]
    assert draft.pickup == Pickup("rockville", FRIDAY_2230) and draft.billing is not None
    assert draft.payment is PaymentTerms.ON_FULFILLMENT


def test_a_transaction_without_items_or_draft_is_an_empty_cart(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    with pytest.raises(OrderError) as broken:
        orders.quote(uow, BUYER, chuanshan, AT_ROCKVILLE, WEDNESDAY_NOON, need_pickup=True)
    assert broken.value.rule is OrderRule.EMPTY_CART


def test_confirm_makes_one_order_per_transaction_and_a_retry_gets_the_same_one(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    first = confirmed(orders, uow, chuanshan)
    again = orders.confirm(uow, BUYER, chuanshan, AT_ROCKVILLE, WEDNESDAY_NOON, bap_uri="http://x", context={})
    assert again.id == first and list(uow.orders.rows) == [first]
    assert uow.orders.rows[first].order.state is OrderState.CREATED
    assert uow.drafts.get("diner.test", "tx-1") is None  # the draft became the order


def test_another_buyers_order_is_not_found(orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing) -> None:
    order_id = confirmed(orders, uow, chuanshan)
    with pytest.raises(Refused) as refused:
        orders.own_order(uow, "someone-else.test", order_id)
    assert refused.value.code is BecknErrorCode.ORDER_NOT_FOUND


def test_cancel_is_free_until_ready_then_refused(orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing) -> None:
    order_id = confirmed(orders, uow, chuanshan)
    cancelled = orders.cancel(uow, "diner.test", order_id, "changed my mind", WEDNESDAY_NOON)
    assert uow.orders.rows[order_id].order.state is OrderState.CANCELLED == cancelled.state

    other = confirmed(orders, uow, chuanshan, Buyer("diner.test", "tx-2"))
    stored = uow.orders.rows[other].order
    uow.orders.save(stored.accept(WEDNESDAY_NOON).mark_ready(WEDNESDAY_NOON))
    with pytest.raises(OrderError) as broken:
        orders.cancel(uow, "diner.test", other, None, WEDNESDAY_NOON)
    assert broken.value.rule is OrderRule.CANCELLATION_NOT_POSSIBLE


def test_items_change_and_are_repriced_only_before_the_merchant_accepts(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    order_id = confirmed(orders, uow, chuanshan)
    order = uow.orders.rows[order_id].order
    updated, _ = orders.change_items(uow, "diner.test", order, cart(CartLine("roujiamo", 3)), WEDNESDAY_NOON)
    assert str(uow.orders.rows[order_id].order.quote.total.amount) == "20.85" == str(updated.quote.total.amount)

    accepted = updated.accept(WEDNESDAY_NOON)
    uow.orders.save(accepted)
    with pytest.raises(OrderError) as broken:
        orders.change_items(uow, "diner.test", accepted, cart(CartLine("roujiamo", 1)), WEDNESDAY_NOON)
    assert broken.value.rule is OrderRule.UPDATE_NOT_POSSIBLE


def test_only_a_completed_order_is_rated_and_an_unknown_one_is_not_found(
    orders: FoodOrders, uow: FakeUnitOfWork, chuanshan: Listing
) -> None:
    order_id = confirmed(orders, uow, chuanshan)
    with pytest.raises(OrderError) as broken:
        orders.rate(uow, "diner.test", order_id, 5, WEDNESDAY_NOON)
    assert broken.value.rule is OrderRule.RATING_NOT_ALLOWED
    with pytest.raises(Refused) as refused:
        orders.rate(uow, "diner.test", "O-404", 5, WEDNESDAY_NOON)
    assert refused.value.code is BecknErrorCode.ENTITY_TO_RATE_NOT_FOUND
