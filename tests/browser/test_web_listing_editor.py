"""The merchant's listing editor in a real browser against 川陕名吃's real node (the shared ``web_net``).

The merchant adds a dish of its own (no other test relies on it), changes its price, and the node's
JSON API and its ``on_search`` to the diner's buyer node serve the new price; then the dish is
deleted again. A menu CSV priced in ``RMB`` is refused naming its line; the exported listing and
menu download and import back unchanged. Nothing shared (羊肉泡馍, 凉皮, rooms, jobs) is changed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.processes import ServerProcess
from tests.support.web import login_as_merchant

from duijie.storage.node_config import read_admin_token

pytestmark = pytest.mark.timeout(600)  # the first test of a run waits for the five nodes to start
EDITOR = "/merchant/listing/chuanshan"
DISH = "jiaoma-chicken"
SHOTS = Path(os.environ.get("DUIJIE_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")) \
    / "screenshots"


def _listing(node: ServerProcess) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{node.base}/api/providers/chuanshan", timeout=10).json()
    return body


def _item(node: ServerProcess, item_id: str) -> dict[str, Any] | None:
    return next((i for i in _listing(node)["listing"]["catalog"]["items"] if i["id"] == item_id), None)


def _until(check: Callable[[], Any], what: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout}s: {what}")


def _searched(net: SellersNetwork, text: str) -> str:
    """What the seller's on_search answered the diner's buyer node (as JSON text)."""
    token = read_admin_token(net.buyer.data_dir)
    r = httpx.post(f"{net.buyer.base}/api/buy/search", timeout=30, headers={"Authorization": f"Bearer {token}"},
                   json={"text": text, "bpp_uri": f"{net.sellers['chuanshan'].base}/beckn", "wait": 5})
    assert r.status_code == 200, r.text
    return r.text


def test_merchant_adds_a_dish_changes_its_price_and_the_network_sees_it(page: Page, web_net: SellersNetwork) -> None:
    node = web_net.sellers["chuanshan"]
    try:
        login_as_merchant(page, node, "/merchant/listing")
        page.wait_for_url(f"**{EDITOR}")
        expect(page.locator("h1")).to_contain_text("编辑店铺资料")
        page.get_by_role("link", name="新增菜品").click()
        page.select_option("#f-section_id", "sichuan")
        page.fill("#f-name_zh", "椒麻鸡")
        page.fill("#f-name_en", "Jiaoma chicken")
        page.fill("#f-price", "13.95")
        page.check("#f-diet_gluten_free")
        page.fill("#f-g0_name_zh", "辣度")
        page.fill("#f-g0_name_en", "Heat")
        page.fill("#f-g0_min", "1")
        page.fill("#f-g0_o0_name_zh", "微辣")
        page.fill("#f-g0_o0_name_en", "Mild")
        page.fill("#f-g0_o1_name_zh", "特辣")
        page.fill("#f-g0_o1_name_en", "Extra hot")
        page.get_by_role("button", name="添加菜品").click()
        expect(page.locator(".notice")).to_contain_text("已保存")
        expect(page.locator(f"#item-{DISH}")).to_contain_text("辣度 (必选)")

        page.get_by_role("link", name="编辑 椒麻鸡").click()
        page.fill("#f-price", "abc")
        page.get_by_role("button", name="保存菜品").click()
        expect(page.locator("#e-price")).to_have_text("“abc”不是金额（例如 12.50）")  # beside its field
        SHOTS.mkdir(parents=True, exist_ok=True)
        field = page.locator("#e-price").locator("..")  # the price with its error, as the merchant sees it
        field.screenshot(path=str(SHOTS / "test_web_listing_editor__price_refused.png"))
        page.fill("#f-price", "15.50")
        page.get_by_role("button", name="保存菜品").click()
        expect(page.locator(f"#item-{DISH} .price")).to_have_text("US$15.50")

        item = _until(lambda: _item(node, DISH), "the dish in the node's JSON API")
        assert item["price"] == {"amount": "15.50", "currency": "USD"} and item["option_groups"][0]["min_choices"] == 1
        answer = _searched(web_net, "椒麻鸡")
        assert '"15.50"' in answer and '"13.95"' not in answer, answer[:2000]

        page.set_viewport_size({"width": 390, "height": 844})  # a phone
        page.get_by_role("link", name="编辑 椒麻鸡").click()
        page.screenshot(path=str(SHOTS / "test_web_listing_editor__dish_on_a_phone.png"))
        page.get_by_role("button", name="删除此菜品").click()
        expect(page.locator(".notice")).to_contain_text("已保存")
        assert _item(node, DISH) is None
    finally:
        if _item(node, DISH) is not None:  # leave the shared node as it was
            page.goto(f"{node.base}{EDITOR}/items/{DISH}")
            page.get_by_role("button", name="删除此菜品").click()
            expect(page.locator(".notice")).to_contain_text("已保存")


def test_a_csv_priced_in_rmb_is_refused_naming_its_line(page: Page, web_net: SellersNetwork, tmp_path: Path) -> None:
    node = web_net.sellers["chuanshan"]
    version = _listing(node)["version"]
    login_as_merchant(page, node, EDITOR)
    lines = page.request.get(f"{node.base}{EDITOR}/export.csv").text().splitlines()
    lines[3] = lines[3].replace(",USD,", ",RMB,")
    bad = tmp_path / "menu.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_input_files("#f-file", str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    problems = page.locator("#e-file")
    expect(problems).to_contain_text("menu.csv 未导入")
    expect(problems).to_contain_text("第 4 行: currency 列：'RMB' 不是币种代码")
    assert _listing(node)["version"] == version


def test_exports_download_and_import_back_unchanged(page: Page, web_net: SellersNetwork, tmp_path: Path) -> None:
    node = web_net.sellers["chuanshan"]
    login_as_merchant(page, node, EDITOR)
    links = (("完整资料（JSON）", "chuanshan.listing.json"), ("菜单（CSV，可用电子表格打开）", "chuanshan.menu.csv"))
    for link, name in links:
        with page.expect_download() as download:
            page.get_by_role("link", name=link).click()
        assert download.value.suggested_filename == name
        saved = tmp_path / name
        download.value.save_as(saved)
        before = _listing(node)["version"]
        page.set_input_files("#f-file", str(saved))
        page.get_by_role("button", name="导入", exact=True).click()
        expect(page.locator(".notice")).to_have_text(f"没有变化（第 {before} 版）。")
        assert _listing(node)["version"] == before
    assert json.loads((tmp_path / "chuanshan.listing.json").read_text())["provider"]["id"] == "chuanshan"
