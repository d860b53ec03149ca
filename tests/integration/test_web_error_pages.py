"""A browser asking for a page that does not exist, or that fails, gets a page in its language;
JSON API callers (and curl, which asks for anything) keep getting JSON errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet, url

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def client(net: MockNet) -> Iterator[TestClient]:
    shop = net.add("shop", roles=("BPP",), listing="chuanshan.json")
    with TestClient(shop.app, base_url=url("shop"), client=("127.0.0.1", 50000),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path", ["/nothing-here", "/merchant/nothing/here"])
def test_an_unknown_address_is_a_page_for_a_browser(client: TestClient, path: str) -> None:
    zh = client.get(path, headers=BROWSER)
    assert zh.status_code == 404 and zh.headers["content-type"].startswith("text/html")
    assert "<title>未找到" in zh.text and "这个地址没有页面" in zh.text
    en = client.get(path, headers={**BROWSER, "accept-language": "en"})
    assert en.status_code == 404 and "There is no page at this address" in en.text


def test_the_api_and_plain_clients_keep_json(client: TestClient) -> None:
    for path, headers in (("/api/nothing", BROWSER), ("/nothing-here", {"accept": "*/*"})):
        r = client.get(path, headers=headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "http_error", path


def test_a_method_a_page_does_not_take_is_told_as_a_page(client: TestClient) -> None:
    r = client.delete("/", headers=BROWSER)
    assert r.status_code == 405 and "不能这样使用" in r.text


def test_a_fault_is_a_page_without_detail(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from duijie.web import search_pages

    def broken(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(search_pages, "read_form", broken)
    page = client.get("/?q=x", headers=BROWSER)
    assert page.status_code == 500 and "出错了" in page.text and "secret detail" not in page.text
    api = client.get("/?q=x", headers={"accept": "application/json"})
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"
