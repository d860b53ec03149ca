"""Kinds of trade: a toy kind registered in one line trades end to end beside the food order, and
the seller dispatches each request to the kind its items or its order belong to."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.support.mock_network import DEMO_DATA, MockNet
from tests.unit.services.fakes import FakeListings, FakeUnitOfWork, FakeUnitOfWorkFactory
from tests.unit.services.test_food_orders import WEDNESDAY_NOON
from tests.unit.services.tour_kind import TourKind, TourPurchase, TourRequest

from duijie.domain.errors import DomainError, ErrorCode
from duijie.domain.listing import Listing
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol import jsonbytes
from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.pipeline import Verified
from duijie.services.container import running
from duijie.services.trade.food.kind import FoodKind
from duijie.services.trade.order_callbacks import SellerNode
from duijie.services.trade.seller import SellerService

pytestmark = pytest.mark.anyio


# ---- end to end: two nodes over the in-process transport -----------------------------------------


async def test_a_toy_kind_registered_in_one_line_completes_select_init_confirm_between_two_nodes(
    net: MockNet,
) -> None:
    shop = net.add("shop", roles=("BPP",), listing="chuanshan.json")
    diner = net.add("diner", roles=("BAP",))
    tours = TourKind()
    shop.services.seller.kinds.register(tours)  # the one registration line

    async with running(shop.services), running(diner.services):
        buyer = diner.services.buyer
        bought = await buyer.place(TourPurchase(), TourRequest("http://shop.test/beckn", "chuanshan", people=3))
        assert bought["order_id"] == "T-1" and bought["status"] == "ACTIVE"
        assert bought["order"]["quote"]["price"]["value"] == "36.00"
        status = await buyer.status("T-1")  # an order action goes to the kind that holds the order
        assert status["order"]["items"] == [{"id": "tour-morning", "quantity": {"selected": {"count": 3}}}]

    assert list(tours.bookings) == ["T-1"]
    assert shop.services.merchant is not None and await shop.services.merchant.list_orders() == []


# ---- the dispatch, against the in-memory unit of work --------------------------------------------


def verified(action: Action, message: dict[str, Any], transaction_id: str = "tx-1",
             sent: datetime = WEDNESDAY_NOON) -> Verified:
    ctx = Context(domain="nic2004:55204", action=action, bap_id="diner.test", bap_uri="http://diner.test/beckn",
                  transaction_id=transaction_id, message_id=str(uuid.uuid4()),
                  timestamp=format_timestamp(sent), ttl="PT30S")
    return Verified(context=ctx, message=message, doc={"context": ctx.to_dict(), "message": message},
                    signer_subscriber_id="diner.test", gateway_subscriber_id=None)


class FixedClock:
    def now(self) -> datetime:
        return WEDNESDAY_NOON.astimezone(UTC)


@pytest.fixture
def chuanshan() -> Listing:
    return listing_from_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))


@pytest.fixture
def uow(chuanshan: Listing) -> FakeUnitOfWork:
    return FakeUnitOfWork(FakeListings(chuanshan))


@pytest.fixture
def seller(uow: FakeUnitOfWork) -> SellerService:
    service = SellerService(FakeUnitOfWorkFactory(uow), FixedClock(), SellerNode("shop.test", "http://shop.test/beckn"))
    service.kinds.register(FoodKind())
    service.kinds.register(TourKind())
    return service


def queued(uow: FakeUnitOfWork) -> dict[str, Any]:
    body: dict[str, Any] = jsonbytes.loads(uow.outbox.rows[-1].body)
    return body


def order_of(*items: tuple[str, int]) -> dict[str, Any]:
    return {"order": {"provider": {"id": "chuanshan"},
                      "items": [{"id": i, "quantity": {"selected": {"count": n}}} for i, n in items]}}


async def test_a_select_goes_to_the_kind_that_owns_its_items(seller: SellerService, uow: FakeUnitOfWork) -> None:
    tours = list(seller.kinds)[1]
    assert isinstance(tours, TourKind)
    seller.handle(seller._dispatch, verified(Action.SELECT, order_of(("tour-morning", 2)), "tx-tour"))
    seller.handle(seller._dispatch, verified(Action.SELECT, order_of(("roujiamo", 1)), "tx-food"))
    assert list(tours.quotes) == [("diner.test", "tx-tour")]
    assert list(uow.drafts.rows) == [("diner.test", "tx-food")]
    assert queued(uow)["context"]["action"] == "on_select" and "error" not in queued(uow)


async def test_an_order_nobody_holds_is_refused_by_the_first_kind(seller: SellerService, uow: FakeUnitOfWork) -> None:
    seller.handle(seller._dispatch, verified(Action.STATUS, {"order_id": "O-nobody"}))
    assert queued(uow)["error"]["code"] == str(BecknErrorCode.ORDER_NOT_FOUND.value)  # the food kind answers


async def test_a_confirm_without_pickup_is_refused_and_keeps_the_draft(
    seller: SellerService, uow: FakeUnitOfWork
) -> None:
    seller.handle(seller._dispatch, verified(Action.SELECT, order_of(("roujiamo", 1))))
    body = seller.handle(seller._dispatch, verified(Action.CONFIRM, order_of(("roujiamo", 1))))
    assert body["context"]["action"] == "on_confirm"
    assert body["error"]["code"] == str(BecknErrorCode.FULFILLMENT_UNAVAILABLE.value)
    assert uow.orders.rows == {} and len(uow.outbox.rows) == 2
    assert list(uow.drafts.rows) == [("diner.test", "tx-1")]


async def test_a_receipt_hook_that_fails_undoes_the_stored_order(seller: SellerService, uow: FakeUnitOfWork) -> None:
    def refuse(order: dict[str, Any], context: dict[str, Any], uow: Any) -> None:
        assert uow.orders.get(order["id"]) is not None  # the order is stored in the same unit of work
        raise DomainError(ErrorCode.NOT_FOUND, "no signing key")

    seller.on_order_confirmed = refuse
    pickup = {"fulfillments": [{"type": "Self-Pickup", "stops": [
        {"location": {"id": "rockville"}, "time": {"timestamp": "2026-11-28T03:30:00.000Z"}}]}]}
    confirm = order_of(("roujiamo", 1))
    confirm["order"].update(pickup)
    body = seller.handle(seller._dispatch, verified(Action.CONFIRM, confirm))
    assert body["error"] == {"code": str(BecknErrorCode.BUSINESS_ERROR.value), "message": "no signing key"}
    assert uow.orders.rows == {} and [q.action for q in uow.outbox.rows] == ["on_confirm"]


async def test_a_request_past_its_ttl_gets_an_error_callback_and_no_order(
    seller: SellerService, uow: FakeUnitOfWork
) -> None:
    late = verified(Action.SELECT, order_of(("roujiamo", 1)), sent=WEDNESDAY_NOON - timedelta(minutes=1))
    body = seller.handle(seller._dispatch, late)
    assert "ran out" in body["error"]["message"] and uow.drafts.rows == {}
