"""The zh/en switch changes every label of the search and provider pages, and the choice is
remembered from page to page; the pages fit a phone's width (real node processes, chromium)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork

pytestmark = pytest.mark.timeout(600)  # the first test of a run waits for the five nodes to start
CJK = re.compile(r"[\u3400-\u9fff]")
LABELS = "main label, main legend, main h1, main h2, main button, main option, header nav a"
"""What a visitor reads as the page's own words (names of dishes and places are the merchant's)."""


def _words(page: Page, selector: str = LABELS) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts() if t.strip()]


def _provider_labels(page: Page) -> list[str]:
    """The provider page's own words: section headings, choice marks, buttons and badges."""
    return _words(page, "main h2, main .required, main button, main .badge, main label[for^='q-'], header nav a")


def test_switching_language_changes_every_label_and_is_remembered(web_net: SellersNetwork, page: Page) -> None:
    base = web_net.buyer.base
    page.goto(f"{base}/?q=%E5%87%89%E7%9A%AE&source=index")  # 凉皮, from what the node holds
    zh = _words(page)
    assert zh and all(CJK.search(w) for w in zh), [w for w in zh if not CJK.search(w)]

    page.click("header .langs a[hreflang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    en = _words(page)
    assert len(en) == len(zh) and not [w for w in en if CJK.search(w)]
    assert page.input_value("#f-q") == "凉皮"  # back on the same search

    page.goto(f"{base}/p/chuanshan")  # remembered: the provider page is in English too
    for _ in range(60):
        if page.locator("#menu-h").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    en_provider = _provider_labels(page)
    assert "Locations" in en_provider and "Menu" in en_provider and "Add to cart" in en_provider
    assert not [w for w in en_provider if CJK.search(w)]

    page.click("header .langs a[hreflang=zh]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    zh_provider = _provider_labels(page)
    assert "门店" in zh_provider and "菜单" in zh_provider and "加入购物车" in zh_provider
    assert all(CJK.search(w) for w in zh_provider), [w for w in zh_provider if not CJK.search(w)]

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
