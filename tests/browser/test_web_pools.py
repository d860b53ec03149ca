"""Pool and offer pages in a real browser against real node processes (``web_net``).

A pool of the farm's apples is opened on 川陕名吃's node; the diner's buyer node shows it (read
from the organizer's on_search) and its progress rises without a reload as two buyer nodes
pledge through their own pool pages: the diner's node, and the factory's node acting as a buyer.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.web import login_as_merchant
from tests.support.web_pools import open_pool, pledge, pool_url


def test_pool_progress_rises_without_reload_as_two_buyer_nodes_pledge(
        web_net: SellersNetwork, page: Page, second_page: Page) -> None:
    for each in (page, second_page):
        each.set_default_timeout(60_000)  # each pledge and page asks another node: slow on a loaded machine
    pool_id = open_pool(web_net)
    watched = pool_url(web_net, web_net.buyer, pool_id)
    page.goto(watched)
    expect(page).to_have_title(re.compile("富士苹果"))
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    progress = page.locator("progress.to-minimum")
    expect(progress).to_have_attribute("value", "0")
    expect(progress).to_have_attribute("max", "200")
    expect(page.locator("time[data-countdown]")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    page.evaluate("window.__notReloaded = true")  # gone if the page reloads

    first = pledge(second_page, pool_url(web_net, web_net.buyer, pool_id), "40")
    expect(second_page.locator(".my-pledges")).to_contain_text(first)
    expect(progress).to_have_attribute("value", "40", timeout=60_000)
    expect(page.locator(".pledged")).to_contain_text("40")

    factory = web_net.sellers["factory"]  # a second buyer node: the factory buys too
    pledge(second_page, pool_url(web_net, factory, pool_id), "70")
    expect(progress).to_have_attribute("value", "110", timeout=60_000)
    expect(page.locator(".buyers")).to_contain_text("2")
    expect(page.locator("tr.reached")).to_contain_text("100")  # the 100 kg tier (2.60) is reached
    expect(page.locator(".price-now")).to_contain_text("2.60")
    assert page.evaluate("window.__notReloaded === true")

    # The organizer's own page reads the pool itself: the same figures.
    second_page.goto(f"{web_net.sellers['chuanshan'].base}/pools/{pool_id}")
    expect(second_page.locator("progress.to-minimum")).to_have_attribute("value", "110")

    # The diner's page with its own pledge, at a phone's width (the screenshot shows it).
    second_page.set_viewport_size({"width": 390, "height": 844})
    second_page.goto(watched)
    expect(second_page.locator(".my-pledges")).to_contain_text(first)
    assert second_page.evaluate("document.documentElement.scrollWidth") <= 400  # nothing wider than the phone


def test_a_pledge_beyond_the_maximum_is_refused_beside_the_field(web_net: SellersNetwork, page: Page) -> None:
    page.set_default_timeout(60_000)
    pool_id = open_pool(web_net, maximum="250")
    page.goto(pool_url(web_net, web_net.buyer, pool_id))
    page.fill("#f-quantity", "300")
    page.click("form[action$='/pledge'] button[type=submit]", no_wait_after=True)
    error = page.locator("#e-quantity")
    expect(error).to_have_text("距拼单上限只剩 250 kg。", timeout=60_000)
    expect(page.locator("#f-quantity")).to_have_attribute("aria-invalid", "true")
    page.fill("#f-quantity", "2.5.1")
    page.click("form[action$='/pledge'] button[type=submit]", no_wait_after=True)
    expect(error).to_have_text("请用数字填写数量，例如 40 或 12.5。", timeout=60_000)


def test_the_offer_page_on_the_buyer_node_shows_the_farms_apples_as_source_direct(
        web_net: SellersNetwork, page: Page) -> None:
    url = f"{web_net.buyer.base}/offers/apples?seller={web_net.subscriber_id(web_net.sellers['farm'])}"
    deadline = time.monotonic() + 30  # until the buyer node holds the farm's signed catalog
    while True:
        answer = page.goto(url)
        if answer is not None and answer.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(page.locator(".source-direct")).to_contain_text("源头直供")
    expect(page.locator(".origin")).to_contain_text("马里兰州弗雷德里克果园")
    expect(page.locator("table.tiers")).to_contain_text("500")


def test_the_farm_sees_the_pooled_demand_for_its_apples(web_net: SellersNetwork, page: Page) -> None:
    page.set_default_timeout(60_000)
    pool_id = open_pool(web_net)
    farm = web_net.sellers["farm"]
    login_as_merchant(page, farm, "/merchant/pools")
    row = page.locator("tr[data-offer='apples']")
    expect(row).to_contain_text(pool_id, timeout=60_000)  # read from 川陕名吃's catalog, through the gateway
    expect(row).to_contain_text(web_net.subscriber_id(web_net.sellers["chuanshan"]))
    expect(page.locator("#organized-h")).to_have_text("您发起的拼单")
