""""Mine" in a real browser against real node processes (``web_net``): the diner's buyer node pledges
the whole of a pool through its pool page; the pool fills, closes at once and the farm confirms
the batch; "Mine" then lists the pledge with its allocation at the tier price and its receipt,
verified on the page and downloadable, and the pool page shows the allocation after the close.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.web_pools import open_pool, pledge, pool_url


def test_mine_lists_a_pledge_with_its_allocation_and_verified_receipt(
        web_net: SellersNetwork, page: Page, tmp_path: Path) -> None:
    page.set_default_timeout(60_000)  # each page asks another node: slow on a loaded machine
    pool_id = open_pool(web_net, maximum="200")  # the minimum batch: one pledge of 200 kg fills it
    pledge_id = pledge(page, pool_url(web_net, web_net.buyer, pool_id), "200")
    # (the pool may already show as closed beside it: the pledge filled it)
    expect(page.locator(".notice[role=status]", has_text=pledge_id)).to_be_visible()

    row = page.locator(f"li.purchase[data-order='{pledge_id}']")
    deadline = time.monotonic() + 60  # the close, the farm's batch confirmation, the allocation callback
    while True:
        page.goto(f"{web_net.buyer.base}/mine")
        if "已分配" in (row.text_content() or "") or time.monotonic() > deadline:
            break
        time.sleep(1)
    expect(page).to_have_title(re.compile("我的"))
    expect(page.locator("#h-pledge")).to_have_text("拼单认购")
    expect(row.locator(".state")).to_have_text("已分配")
    expect(row).to_contain_text("200 kg")
    expect(row).to_contain_text("US$2.60")  # the 100 kg tier reached: 2.60 for everyone
    expect(row).to_contain_text("US$520.00")
    expect(row.locator(".verified")).to_have_text("已验证")

    with page.expect_download() as download:
        row.get_by_role("link", name="下载").click()
    saved = tmp_path / "receipt.json"
    download.value.save_as(saved)
    receipt = json.loads(saved.read_text())
    assert receipt["format"] == "duijie.receipt/1"
    assert receipt["agreement"]["bap_id"] == web_net.subscriber_id(web_net.buyer)
    assert receipt["agreement"]["quote"]["price"]["value"] == "520.00"

    row.get_by_role("link", name="收据", exact=True).click()
    expect(page.locator(".verified")).to_have_text("已验证：每个签名都与协议相符。")
    expect(page.locator("table")).to_contain_text(web_net.subscriber_id(web_net.sellers["chuanshan"]))

    # The pool page after the close: no longer open, this node's allocation with its receipt.
    page.goto(pool_url(web_net, web_net.buyer, pool_id))
    expect(page.locator(".pool-progress")).to_contain_text("不再接受认购")
    expect(page.locator(".my-pledges")).to_contain_text("US$520.00")
    expect(page.locator(".my-pledges .verified")).to_have_text("已验证")
    assert page.locator("#f-quantity").count() == 0  # no pledge form after the close

    page.set_viewport_size({"width": 390, "height": 844})  # the screenshot at a phone's width
    page.goto(f"{web_net.buyer.base}/mine")
    expect(row).to_be_visible()
