"""A diner searches 羊肉泡馍, opens 川陕名吃, orders for pickup at Rockville; the merchant signs in on
the chuanshan node, sees the order with the diner's name and marks it ready; the diner's status page
shows it without a reload (real node processes, Debian's chromium)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.web import login_as_merchant

pytestmark = pytest.mark.timeout(600)  # the first test of a run waits for the five nodes to start
GUEST = "王芳 Browser"
PHONE = "+1-202-555-0199"


def _pickup() -> str:
    """12:30 two days from now at Rockville (open every day at that hour), as datetime-local text."""
    day = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo("America/New_York")).date()
    return f"{day.isoformat()}T12:30"


def _search_until_found(page: Page, base: str, timeout: float = 60) -> None:
    """Search 羊肉泡馍 near Rockville; the buyer node may still be learning the merchants at first."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(f"{base}/")
        page.fill("#f-q", "羊肉泡馍")
        page.fill("#f-near", "Rockville")
        page.click("form.search button[type=submit]")
        if page.locator("li.result").count() or time.monotonic() > deadline:
            return
        time.sleep(1)


def test_diner_orders_and_sees_the_merchant_mark_it_ready(
    web_net: SellersNetwork, page: Page, second_page: Page
) -> None:
    buyer, shop = web_net.buyer, web_net.sellers["chuanshan"]
    _search_until_found(page, buyer.base)
    first = page.locator("li.result").first
    expect(first).to_contain_text("羊肉泡馍")
    expect(first).to_contain_text("Rockville")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    first.locator("a[href^='/p/chuanshan']").first.click()

    expect(page.locator("h1")).to_contain_text("川陕名吃")
    expect(page.locator("#item-liangpi")).to_contain_text("必选")  # 凉皮's heat level, before ordering
    page.locator("#item-yangrou-paomo button[type=submit]").click()
    expect(page.locator("p.notice")).to_contain_text("已加入购物车")
    page.goto(f"{buyer.base}/cart")
    page.fill("#f-name", GUEST)
    page.fill("#f-phone", PHONE)
    page.select_option("#f-location", "rockville")
    page.fill("#f-pickup", _pickup())
    page.click("form.order button[type=submit]")
    page.wait_for_url("**/orders/*", timeout=30_000)
    expect(page.locator("#order-state")).to_have_attribute("data-state", "CREATED")
    expect(page.locator("#receipt-check")).to_contain_text("已验证")
    order_id = page.url.rsplit("/", 1)[1]

    login_as_merchant(second_page, shop)
    card = second_page.locator(f"#order-{order_id}")
    expect(card).to_contain_text(GUEST)
    expect(card).to_contain_text("(202) 555-0199")  # PHONE as dialled in the US, linked as E.164
    expect(card.locator("a.phone")).to_have_attribute("href", "tel:+12025550199")
    card.locator("form[action$='/accept'] button").click()
    second_page.locator(f"#order-{order_id} form[action$='/ready'] button").click()
    expect(second_page.locator(f"#order-{order_id}")).to_have_attribute("data-state", "READY")

    # The diner's page was not reloaded: its live part shows the new state.
    expect(page.locator("#order-state")).to_have_attribute("data-state", "READY", timeout=20_000)
    expect(page.locator("#order-live")).to_contain_text("您的订单已备好")
    assert page.url.endswith(f"/orders/{order_id}")
