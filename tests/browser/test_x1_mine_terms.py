"""Proposed pool terms from "Mine", in a real browser against real node processes (``web_net``), on a
phone's width: the pledge is flagged "new terms to answer"; the flag leads to the proposal on the
pool page; after declining, the page still offers to accept (no dead end), and accepting makes the
terms take effect."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.web_pools import open_pool, pledge, pool_url

from duijie.storage.node_config import read_admin_token

SHOTS = Path(os.environ.get("DUIJIE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")) \
    / "screenshots"


def test_mine_flags_new_terms_and_a_decliner_may_still_accept(web_net: SellersNetwork, page: Page) -> None:
    page.set_default_timeout(60_000)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    organizer = web_net.sellers["chuanshan"]
    pool_id = open_pool(web_net)
    pledge_id = pledge(page, pool_url(web_net, web_net.buyer, pool_id), "40")
    token = read_admin_token(organizer.data_dir)
    proposed = httpx.post(f"{organizer.base}/api/pools/{pool_id}/terms", json={"minimum_batch": 150},
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert proposed.status_code == 202, proposed.text

    flag = page.locator(f"li[data-order='{pledge_id}'] a.terms-to-answer")
    deadline = time.monotonic() + 60  # the signed on_status reaches the diner's node
    while True:
        page.goto(f"{web_net.buyer.base}/mine")
        if flag.count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(flag).to_have_text("有新条款待答复")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "test_x1_mine_terms__mine_flag.png"), full_page=True)
    flag.click()
    section = page.locator("section.proposal")
    expect(section).to_contain_text(pledge_id)
    section.get_by_role("button", name="拒绝新条款").click(no_wait_after=True)
    page.wait_for_url(re.compile(r"answer=decline"), timeout=90_000)

    declined = page.locator("section.proposal")
    expect(declined.locator("h2")).to_have_text(f"您已拒绝认购 {pledge_id} 的新条款")
    expect(declined.get_by_role("button", name="拒绝新条款")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "test_x1_mine_terms__declined.png"), full_page=True)
    declined.get_by_role("button", name="接受新条款").click(no_wait_after=True)
    page.wait_for_url(re.compile(r"answer=in_effect"), timeout=90_000)
    expect(page.locator("p.notice[role=status]")).to_contain_text("新条款现已生效")  # the only pledger
    pool = httpx.get(f"{organizer.base}/api/pools/{pool_id}", timeout=60).json()["pool"]
    assert pool["terms_version"] == 2 and pool["terms"]["offer"]["minimum_batch"] == 150
