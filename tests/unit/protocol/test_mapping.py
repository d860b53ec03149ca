"""Domain ↔ Beckn 1.1.1 mapping: every callback shape the seller sends validates against transaction.yaml."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.support.beckn_spec import requires_spec, validate_message

from duijie.domain.cart import Cart, CartLine, Pickup, price_cart
from duijie.domain.listing import Listing
from duijie.domain.orders import Billing, Draft, Order, OrderState, PaymentTerms
from duijie.interchange.listing_json import listing_from_document
from duijie.protocol import mapping as m
from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.errors import BecknErrorCode, error_body

NY = ZoneInfo("America/New_York")
FRIDAY_2230 = datetime(2026, 11, 27, 22, 30, tzinfo=NY)
NOW = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def chuanshan() -> Listing:
    text = resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8")
    return listing_from_document(json.loads(text))


def envelope(action: Action, message: dict[str, Any] | None, error: dict[str, str] | None = None) -> dict[str, Any]:
    ctx = Context(
        domain="food",
        action=action,
        bap_id="bap.test",
        bap_uri="http://127.0.0.1:1/beckn",
        transaction_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()),
        timestamp=format_timestamp(NOW),
        bpp_id="bpp.test",
        bpp_uri="http://127.0.0.1:2/beckn",
    )
    body: dict[str, Any] = {"context": ctx.to_dict()}
    if message is not None:
        body["message"] = message
    if error is not None:
        body["error"] = error
    return body


def assert_valid(action: Action, message: dict[str, Any] | None, error: dict[str, str] | None = None) -> None:
    problems = validate_message(action.value, envelope(action, message, error))
    assert problems == [], problems


def draft(listing: Listing) -> Draft:
    cart = Cart("chuanshan", (CartLine("roujiamo", 2, ("extra:meat",)), CartLine("yangrou-paomo", 1)))
    pickup = Pickup("rockville", FRIDAY_2230)
    quote = price_cart(listing, cart, now=NOW, pickup=pickup)
    return Draft(
        "chuanshan", quote, pickup, Billing("Li Lei", "+1-301-555-0100", "li@example.com"), PaymentTerms.ON_FULFILLMENT
    )


def order(listing: Listing) -> Order:
    return Order.create("O-1", "bap.test", "t-1", draft(listing), NOW)


@requires_spec
def test_on_search_catalog_is_valid_and_bilingual(chuanshan: Listing) -> None:
    provider = m.provider_to_beckn(chuanshan)
    assert_valid(Action.ON_SEARCH, {"catalog": m.catalog_to_beckn([provider], "bpp.test")})
    roujiamo = next(i for i in provider["items"] if i["id"] == "roujiamo")
    assert roujiamo["descriptor"]["name"] == "肉夹馍 / Roujiamo (braised pork in flatbread)"
    assert roujiamo["price"] == {"currency": "USD", "value": "6.95"}
    assert {a["id"] for a in roujiamo["add_ons"]} == {"extra:meat", "extra:pepper"}
    assert "shaanxi" in roujiamo["category_ids"]
    rockville = next(loc for loc in provider["locations"] if loc["id"] == "rockville")
    assert rockville["gps"] == "39.0892, -77.1553"
    assert {f["id"]: f["type"] for f in provider["fulfillments"]} == {
        "pickup-dc": "Self-Pickup",
        "pickup-rockville": "Self-Pickup",
    }


def test_stock_becomes_quantity_available(chuanshan: Listing) -> None:
    from dataclasses import replace

    item = replace(chuanshan.catalog.items[0], stock=7)
    assert m.item_to_beckn(item, chuanshan)["quantity"] == {"available": {"count": 7}}


@requires_spec
def test_on_select_quote_has_a_breakup_row_per_line_and_add_on(chuanshan: Listing) -> None:
    msg = {"order": m.draft_to_beckn(draft(chuanshan), chuanshan, with_terms=False)}
    assert_valid(Action.ON_SELECT, msg)
    quote = msg["order"]["quote"]
    assert [row["price"]["value"] for row in quote["breakup"]] == ["13.90", "5.00", "14.95"]
    assert quote["price"] == {"currency": "USD", "value": "33.85"}
    assert m.quote_to_beckn(draft(chuanshan).quote)["id"] == quote["id"]  # deterministic


@requires_spec
def test_on_init_carries_pickup_billing_payment_and_terms(chuanshan: Listing) -> None:
    msg = {"order": m.draft_to_beckn(draft(chuanshan), chuanshan, with_terms=True)}
    assert_valid(Action.ON_INIT, msg)
    order_doc = msg["order"]
    stop = order_doc["fulfillments"][0]["stops"][0]
    assert order_doc["fulfillments"][0]["type"] == "Self-Pickup"
    assert stop["location"]["id"] == "rockville" and stop["time"]["timestamp"] == "2026-11-28T03:30:00.000Z"
    assert order_doc["billing"]["name"] == "Li Lei"
    assert order_doc["payments"][0]["type"] == "ON-FULFILLMENT"
    assert [t["fulfillment_state"]["descriptor"]["code"] for t in order_doc["cancellation_terms"]] == [
        "ACCEPTED",
        "CREATED",
    ]


@requires_spec
@pytest.mark.parametrize("action", [Action.ON_CONFIRM, Action.ON_STATUS, Action.ON_CANCEL, Action.ON_UPDATE])
def test_order_callbacks_are_valid(chuanshan: Listing, action: Action) -> None:
    assert_valid(action, {"order": m.order_to_beckn(order(chuanshan), chuanshan)})


@pytest.mark.parametrize(
    ("steps", "status", "code"),
    [
        ((), "ACTIVE", "CREATED"),
        (("accept",), "ACTIVE", "ACCEPTED"),
        (("accept", "ready"), "ACTIVE", "READY"),
        (("accept", "ready", "complete"), "COMPLETE", "COMPLETED"),
        (("decline",), "CANCELLED", "DECLINED"),
    ],
)
def test_beckn_status_is_coarse_and_fulfillment_state_is_fine(
    chuanshan: Listing, steps: tuple[str, ...], status: str, code: str
) -> None:
    o = order(chuanshan)
    for step in steps:
        o = o.decline("no", NOW) if step == "decline" else getattr(o, {"ready": "mark_ready"}.get(step, step))(NOW)
    doc = m.order_to_beckn(o, chuanshan)
    assert doc["status"] == status
    assert doc["fulfillments"][0]["state"]["descriptor"]["code"] == code
    if o.state is OrderState.DECLINED:
        assert doc["cancellation"]["cancelled_by"] == "PROVIDER"


@requires_spec
def test_on_track_on_rating_on_support_and_error_callbacks_are_valid(chuanshan: Listing) -> None:
    o = order(chuanshan)
    tracking = m.tracking_to_beckn(o, chuanshan)
    assert tracking["status"] == "active" and tracking["location"]["id"] == "rockville"
    assert_valid(Action.ON_TRACK, {"tracking": tracking})
    assert_valid(Action.ON_RATING, {"feedback_form": {"required": False}})
    support = m.support_to_beckn("O-1", chuanshan, "rockville")
    assert support["phone"] == "+1-301-875-5144"
    assert_valid(Action.ON_SUPPORT, {"support": support})
    assert_valid(Action.ON_CONFIRM, None, error_body(BecknErrorCode.ITEM_NOT_FOUND, "no item 'pizza'"))


def test_select_order_becomes_a_cart_and_pickup() -> None:
    order_doc = {
        "provider": {"id": "chuanshan"},
        "items": [
            {"id": "roujiamo", "quantity": {"selected": {"count": 2}}, "add_ons": [{"id": "extra:meat"}]},
            {"id": "yangrou-paomo"},
        ],
        "fulfillments": [
            {
                "type": "Self-Pickup",
                "stops": [{"location": {"id": "rockville"}, "time": {"timestamp": "2026-11-28T03:30:00.000Z"}}],
            }
        ],
    }
    assert m.provider_id_of(order_doc) == "chuanshan"
    cart = m.cart_from_order(order_doc, "chuanshan")
    assert cart.lines == (CartLine("roujiamo", 2, ("extra:meat",)), CartLine("yangrou-paomo", 1, ()))
    assert m.pickup_from_order(order_doc) == Pickup("rockville", FRIDAY_2230)


def test_delivery_and_unknown_payment_are_refused_with_beckn_codes() -> None:
    with pytest.raises(m.MappingError) as delivery:
        m.pickup_from_order({"fulfillments": [{"type": "Delivery"}]})
    assert delivery.value.code is BecknErrorCode.FULFILLMENT_UNAVAILABLE
    with pytest.raises(m.MappingError) as payment:
        m.payment_from_order({"payments": [{"type": "POST-FULFILLMENT"}]})
    assert payment.value.code is BecknErrorCode.PAYMENT_NOT_SUPPORTED


def test_search_intent_is_read_into_criteria() -> None:
    criteria = m.search_criteria(
        {
            "descriptor": {"name": "肉夹馍"},
            "category": {"id": "street_food"},
            "provider": {"id": "chuanshan"},
            "fulfillment": {"stops": [{"location": {"gps": "39.08, -77.15"}}]},
        }
    )
    assert criteria.text == "肉夹馍" and criteria.category == "street_food" and criteria.provider_id == "chuanshan"
    assert criteria.gps == (39.08, -77.15)
