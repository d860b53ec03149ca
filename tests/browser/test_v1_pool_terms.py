"""Proposed pool terms and pools opened from an offer, in a real browser against real node
processes (``web_net``): the diner's pool page shows the organizer's proposal beside the terms in
effect and accepting it makes it take effect; 川陕名吃's merchant opens a pool on the farm's
apples from the offer page, and the pool embeds the farm's signed offer, fetched over HTTP."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.web import login_as_merchant
from tests.support.web_pools import open_pool, pledge, pool_url

from duijie.storage.node_config import read_admin_token


def _admin(net: SellersNetwork) -> dict[str, str]:
    return {"Authorization": f"Bearer {read_admin_token(net.sellers['chuanshan'].data_dir)}"}


def test_a_pledger_accepts_proposed_terms_from_the_pool_page(web_net: SellersNetwork, page: Page) -> None:
    page.set_default_timeout(60_000)
    organizer = web_net.sellers["chuanshan"]
    pool_id = open_pool(web_net)
    url = pool_url(web_net, web_net.buyer, pool_id)
    pledge_id = pledge(page, url, "40")
    proposed = httpx.post(f"{organizer.base}/api/pools/{pool_id}/terms", json={"minimum_batch": 150},
                          headers=_admin(web_net), timeout=60)
    assert proposed.status_code == 202, proposed.text

    section = page.locator("section.proposal")
    deadline = time.monotonic() + 60  # the signed on_status reaches the diner's node
    while True:
        page.goto(url)
        if section.count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(section).to_contain_text(pledge_id)
    changed = section.locator("tr.changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("最低批量")
    expect(changed).to_contain_text("200 kg")
    expect(changed).to_contain_text("150 kg")
    section.get_by_role("button", name="接受新条款").click(no_wait_after=True)
    page.wait_for_url(re.compile(r"answered=PL-"), timeout=90_000)
    expect(page.locator("p.notice[role=status]")).to_contain_text("新条款现已生效")  # the only pledger
    expect(page.locator("section.proposal")).to_have_count(0)
    pool = httpx.get(f"{organizer.base}/api/pools/{pool_id}", timeout=60).json()["pool"]
    assert pool["terms_version"] == 2 and pool["terms"]["offer"]["minimum_batch"] == 150


def test_a_pool_opened_from_the_offer_page_embeds_the_farms_signed_offer(
        web_net: SellersNetwork, page: Page) -> None:
    page.set_default_timeout(60_000)
    organizer, farm = web_net.sellers["chuanshan"], web_net.sellers["farm"]
    offer = f"/offers/apples?seller={web_net.subscriber_id(farm)}&provider={web_net.providers['farm']}"
    login_as_merchant(page, organizer, "/merchant")
    deadline = time.monotonic() + 60  # until 川陕名吃's node holds the farm's signed catalog
    while True:
        answer = page.goto(f"{organizer.base}{offer}")
        if answer is not None and answer.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#f-deadline", later)
    page.fill("#f-pickup", "川陕名吃 Rockville")
    page.get_by_role("button", name="发起拼单").click(no_wait_after=True)
    page.wait_for_url(re.compile(r"/pools/pool-"), timeout=90_000)
    pool_id = page.url.rsplit("/", 1)[-1]
    pool = httpx.get(f"{organizer.base}/api/pools/{pool_id}", timeout=60).json()["pool"]
    signed = pool["signed_offer"]
    assert signed is not None and signed["statement"]["producer_id"] == web_net.subscriber_id(farm)
    assert pool["terms"]["producer_id"] == web_net.subscriber_id(farm)
