"""Booking a room in a real browser on the diner's node: a party of 40 books 钓鱼台 on a Friday evening,
a second diner (own cookies) no longer sees that slot, a party too large is told the capacity beside
the field, and the merchant sees the booking on the day calendar of the 川陕名吃 node."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import httpx
from playwright.sync_api import Page, expect
from tests.browser.conftest import ARTIFACTS
from tests.support.networks import SellersNetwork
from tests.support.processes import ServerProcess
from tests.support.web import login_as_merchant


def _friday() -> date:
    """A Friday three weeks ahead or more (past every lead time; no other browser test books rooms)."""
    day = date.today() + timedelta(days=21)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _wait_for_rooms(buyer: ServerProcess) -> None:
    """Until the diner's node holds 川陕名吃's catalog (peer exchange through the gateway)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if httpx.get(f"{buyer.base}/book/chuanshan", timeout=10).status_code == 200:
            return
        time.sleep(0.3)
    raise AssertionError("the buyer node never learned 川陕名吃's rooms")


def test_a_party_of_40_books_diaoyutai_and_the_slot_is_gone_for_the_next_diner(
        web_net: SellersNetwork, page: Page, second_page: Page) -> None:
    buyer, shop = web_net.buyer, web_net.sellers["chuanshan"]
    _wait_for_rooms(buyer)
    friday = _friday().isoformat()
    room = f"{buyer.base}/book/chuanshan/diaoyutai?party=40&date={friday}"
    page.goto(room)
    expect(page).to_have_title(re.compile("^预订钓鱼台豪华包厢"))
    expect(page.locator("dl.terms")).to_contain_text("US$200.00")  # the deposit, before booking
    expect(page.locator("dl.terms")).to_contain_text("提前48小时取消可全额退还订金")
    evening = page.locator(f"input[name=slot][value^='{friday}T18:00:00-05:00|']")
    expect(evening).to_have_count(1)
    page.locator("label.slot", has=evening).click()  # the label reads 18:00–21:00 on DC's clock
    expect(evening).to_be_checked()
    page.fill("#f-name", "王芳 Booking")
    page.fill("#f-phone", "+1-202-555-0100")
    page.get_by_role("button", name="预订", exact=True).click()
    page.wait_for_url(re.compile(r"/bookings/R-"))
    expect(page.locator("#booking-state .state")).to_have_text("已确认")
    expect(page.locator("dl.terms")).to_contain_text("18:00")
    expect(page.get_by_role("link", name="下载已签名的凭证")).to_be_visible()
    booking_id = page.url.rsplit("/", 1)[1]

    second_page.goto(room)  # another diner, with cookies of its own
    expect(second_page.locator("input[name=slot]").first).to_be_attached()
    expect(second_page.locator(f"input[name=slot][value^='{friday}T18:00:00-05:00|']")).to_have_count(0)
    expect(second_page.locator(f"input[name=slot][value^='{friday}T11:00:00-05:00|']")).to_have_count(1)
    second_page.screenshot(path=str(ARTIFACTS / "test_web_booking__slot_gone.png"), full_page=True)

    page.goto(f"{buyer.base}/book/chuanshan/diaoyutai?date={friday}")
    page.fill("#f-party", "61")
    page.get_by_role("button", name="查看空闲时段").click()
    expect(page.locator("#e-party")).to_have_text("钓鱼台豪华包厢最多容纳60位客人。")
    expect(page.locator("#f-party")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=slot]")).to_have_count(0)
    page.set_viewport_size({"width": 390, "height": 844})  # the fixture's screenshot: a phone's width

    login_as_merchant(second_page, shop, f"/merchant/bookings?day={friday}")
    cell = second_page.locator(f"td[data-booking='{booking_id}']")
    expect(cell).to_contain_text("王芳 Booking")
    expect(cell).to_have_attribute("rowspan", "6")
    expect(cell).to_have_attribute("data-state", "CONFIRMED")
