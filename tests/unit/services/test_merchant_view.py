"""The merchant's view of an order is its stored document plus the Beckn status and a line summary."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from duijie.domain.cart import Pickup, PricedAddOn, Quote, QuoteLine
from duijie.domain.money import Money
from duijie.domain.orders import Billing, Draft, Order
from duijie.domain.text import LocalText
from duijie.interchange.order_json import order_document
from duijie.services.trade.merchant import order_view

NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def _order() -> Order:
    usd = Money(Decimal("6.95"), "USD")
    line = QuoteLine("roujiamo", LocalText("肉夹馍", "Roujiamo"), 2, usd,
                     (PricedAddOn("extra:meat", LocalText("加肉", "Extra meat"), Money(Decimal("2.50"), "USD")),),
                     Money(Decimal("18.90"), "USD"))
    draft = Draft("chuanshan", Quote("chuanshan", (line,), Money(Decimal("18.90"), "USD")),
                  Pickup("rockville", NOW), Billing("王芳", "+1-202-555-0100"))
    return Order.create("O-1", "diner.test", "tx-1", draft, NOW).accept(NOW)


def test_the_view_is_the_stored_document_with_status_and_line_summary() -> None:
    order = _order()
    view = order_view(order)
    stored = order_document(order)
    assert {k: v for k, v in view.items() if k in stored} == {k: v for k, v in stored.items() if k != "quote"}
    assert view["beckn_status"] == "ACTIVE" and view["state"] == "ACCEPTED"
    assert view["lines"] == [{"item_id": "roujiamo", "name": "肉夹馍 / Roujiamo", "quantity": 2,
                              "add_ons": ["extra:meat"], "total": "18.90"}]
    assert view["total"] == {"amount": "18.90", "currency": "USD"}
    assert [h["state"] for h in view["history"]] == ["CREATED", "ACCEPTED"]
