"""Applying for a job in a real browser: an applicant applies for 川陕名吃's cashier posting on the
diner's node, the merchant (signed in on the 川陕名吃 node) moves the application to interview, and the
applicant's page shows the new stage without a reload."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.web import login_as_merchant


def test_an_applicant_applies_for_cashier_and_the_merchant_moves_it_to_interview(
        web_net: SellersNetwork, page: Page, second_page: Page) -> None:
    buyer, shop = web_net.buyer, web_net.sellers["chuanshan"]
    posting = f"{buyer.base}/jobs/chuanshan/cashier"
    deadline = time.monotonic() + 60  # until the diner's node holds the catalog (peer exchange)
    while httpx.get(posting, timeout=10).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.3)
    page.goto(posting)
    expect(page).to_have_title(re.compile("^收银员"))
    expect(page.locator("a[href='tel:+12026363588']")).to_be_visible()
    expect(page.locator("dl.terms")).to_contain_text("英文好")

    page.get_by_role("button", name="提交申请").click()  # nothing filled: every error beside its field
    expect(page.locator("#e-name")).to_be_visible()
    expect(page.locator("#e-phone")).to_have_text("请填写电话号码或电子邮箱。")

    page.fill("#f-name", "李明 Li Ming")
    page.fill("#f-phone", "+1-202-555-0142")
    page.fill("#f-languages", "en, zh")
    page.fill("#f-experience", "3 years as a cashier")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url(re.compile(r"/applications/"))
    stage = page.locator("#application-stage .state strong")
    expect(stage).to_have_text("已收到")
    application_id = page.url.rsplit("/", 1)[1]

    login_as_merchant(second_page, shop, "/merchant/applications")
    card = second_page.locator(f"#application-{application_id}")
    expect(card).to_contain_text("李明 Li Ming")
    expect(card).to_contain_text("收银员")
    card.get_by_role("button", name="邀请面试").click()
    expect(second_page.locator(f"#application-{application_id}")).to_have_attribute("data-stage", "INTERVIEW")

    expect(stage).to_have_text("面试", timeout=20_000)  # the applicant's page, without a reload
    page.set_viewport_size({"width": 390, "height": 844})
