"""The merchant's inbox in a real browser: an order the buyer node places (over its JSON API)
appears without a reload with the guest's name and phone and the pickup time on Rockville's clock;
the merchant accepts it and marks it ready, the page shows it and the buyer's node is told."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import ARTIFACTS
from tests.support.networks import SellersNetwork
from tests.support.processes import ServerProcess
from tests.support.web import admin_password, login_as_merchant

pytestmark = pytest.mark.timeout(600)  # the first test of a run waits for the five nodes to start

GUEST = "李雷 Inbox"
PHONE = "+1 301 555 0177"
ROCKVILLE = ZoneInfo("America/New_York")


def _pickup() -> datetime:
    """13:15 three days from now on Rockville's clock (open every day at that hour)."""
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(ROCKVILLE).date()
    return datetime(day.year, day.month, day.day, 13, 15, tzinfo=ROCKVILLE)


def _place_order(buyer: ServerProcess, shop: ServerProcess, at: datetime) -> dict[str, Any]:
    r = httpx.post(f"{buyer.base}/api/buy/order", timeout=60, headers={
        "Authorization": f"Bearer {admin_password(buyer)}"}, json={
        "bpp_uri": f"{shop.base}/beckn", "provider_id": "chuanshan", "location_id": "rockville",
        "items": [{"id": "roujiamo", "quantity": 2, "add_ons": ["extra:meat"]}],
        "billing": {"name": GUEST, "phone": PHONE},
        "fulfillment": {"type": "pickup", "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}})
    assert r.status_code == 201, r.text
    placed: dict[str, Any] = r.json()
    return placed


def _buyer_state(buyer: ServerProcess, order_id: str) -> str:
    r = httpx.get(f"{buyer.base}/api/buy/orders/{order_id}", timeout=10,
                  headers={"Authorization": f"Bearer {admin_password(buyer)}"})
    return str(r.json().get("fulfillment_state"))


def test_inbox_shows_a_new_order_live_and_the_merchant_marks_it_ready(web_net: SellersNetwork, page: Page) -> None:
    buyer, shop = web_net.buyer, web_net.sellers["chuanshan"]
    login_as_merchant(page, shop)
    expect(page.locator("h1")).to_have_text("商家订单箱")
    for link in ("/merchant/bookings", "/merchant/applications", "/merchant/pools", "/merchant/listing"):
        expect(page.locator(f".hub-cards a[href='{link}']")).to_be_visible()

    at = _pickup()
    placed = _place_order(buyer, shop, at)  # while the inbox is open: it must appear by itself
    order_id = placed["order_id"]
    card = page.locator(f"#order-{order_id}")
    expect(card).to_be_visible(timeout=20_000)
    expect(card).to_have_attribute("data-state", "CREATED")
    expect(card).to_contain_text(GUEST)
    expect(card.locator("a.phone")).to_have_attribute("href", "tel:+13015550177")
    expect(card).to_contain_text("13:15")  # Rockville's clock, whatever the browser's zone
    expect(card).to_contain_text("2 × 肉夹馍")
    expect(card).to_contain_text("加肉")

    card.locator("form[action$='/accept'] button").click()
    expect(page.locator("p.notice")).to_contain_text("已接单")
    page.locator(f"#order-{order_id} form[action$='/ready'] button").click()
    expect(page.locator(f"#order-{order_id}")).to_have_attribute("data-state", "READY")
    expect(page.locator(f"#order-{order_id} .badge.state")).to_have_text("待取餐")
    page.screenshot(path=str(ARTIFACTS / "test_web_merchant_inbox__desktop.png"), full_page=True)

    deadline = time.monotonic() + 20  # the buyer's node hears it by on_status
    while _buyer_state(buyer, order_id) != "READY" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _buyer_state(buyer, order_id) == "READY"
    page.set_viewport_size({"width": 390, "height": 844})  # the fixture's screenshot: a phone's width
