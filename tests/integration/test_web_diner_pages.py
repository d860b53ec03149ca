"""The diner's pages on an in-process buyer node that holds 川陕名吃's signed catalog (MockTransport):
search, the provider page, cart → order → status → receipt, and their error paths in the
visitor's language, next to the field, without internal prefixes."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.testclient import TestClient
from tests.support.mock_network import MockNet, learn, url
from tests.support.mock_web import form_token

from duijie.bootstrap import Node
from duijie.l10n import rule_texts
from duijie.l10n.catalogs import translations
from duijie.protocol.receipts import verify_receipt
from duijie.services.buyer import SellerRefused
from duijie.web import search_pages

LOOPBACK = ("127.0.0.1", 50000)
ZH = {"accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept-language": "en-US,en;q=0.9"}
PREFIXES = ("on_select", "on_init", "on_confirm", "HTTP 4", "/api/", "code 3")


@dataclass
class Diner:
    net: MockNet
    shop: Node
    buyer: Node
    client: TestClient
    shop_client: TestClient


@pytest.fixture
def diner(net: MockNet, monkeypatch: pytest.MonkeyPatch) -> Iterator[Diner]:
    monkeypatch.delenv("DUIJIE_LOCAL_INDEX")  # the buyer keeps its local search index, as by default
    shop = net.add("shop", roles=("BPP",), listing="chuanshan.json")
    buyer = net.add("buyer", peers=(url("shop"),), roles=("BAP",))
    asyncio.run(learn(shop, buyer))  # the buyer learns the shop's record, then its catalog
    with TestClient(shop.app, base_url=url("shop")) as shop_client, \
            TestClient(buyer.app, base_url=url("buyer"), client=LOOPBACK) as client:
        yield Diner(net, shop, buyer, client, shop_client)


def _token(client: TestClient) -> str:
    return form_token(client.get("/p/chuanshan", headers=ZH).text)


def _errors(html: str) -> dict[str, str]:
    """Field id → the error shown beside it."""
    return dict(re.findall(r'<p class="error" id="e-([\w-]+)" role="alert">([^<]*)</p>', html))


def _add(d: Diner, token: str, item: str, quantity: int = 1, **choices: str) -> None:
    r = d.client.post("/cart/add", data={"csrf_token": token, "provider": "chuanshan", "from": "shop.test",
                                         "item": item, "quantity": str(quantity), **choices}, follow_redirects=False)
    assert r.status_code == 303, r.text[-2000:]


def _order(d: Diner, token: str, pickup: str, **fields: str) -> httpx.Response:
    data = {"csrf_token": token, "name": "王芳", "phone": "+1-202-555-0100", "location": "rockville",
            "pickup": pickup, **fields}
    response: httpx.Response = d.client.post("/cart/order", data=data, headers=ZH, follow_redirects=False)
    return response


def _open_pickup(d: Diner) -> str:
    """A pickup time two days ahead at 12:30 local time (every day's hours include it)."""
    day = (d.buyer.services.clock.now() + timedelta(days=2)).astimezone(ZoneInfo("America/New_York")).date()
    return f"{day.isoformat()}T12:30"


def test_search_finds_the_dish_near_rockville_with_distance_state_and_why(diner: Diner) -> None:
    r = diner.client.get("/", params={"q": "羊肉泡馍", "near": "Rockville", "within": "5", "source": "index"},
                         headers=EN)
    assert r.status_code == 200
    assert '<html lang="en">' in r.text and "<title>羊肉泡馍 · Search" in r.text
    results = r.text.split('class="result"')[1:]
    assert len(results) == 1  # the DC location is 20 km away: outside 5 km
    card = results[0]
    assert 'href="/p/chuanshan?from=shop.test#item-yangrou-paomo"' in card
    assert "Rockville" in card and "$14.95" in card and "0 m away" in card
    assert 'class="badge open"' in card or 'class="badge closed"' in card
    assert "indexed" in card and "title matched 羊肉泡馍" in card


def test_search_in_chinese_says_an_unknown_place_beside_its_field(diner: Diner) -> None:
    r = diner.client.get("/", params={"q": "凉皮", "near": "Atlantis"}, headers=ZH)
    assert r.status_code == 422
    assert _errors(r.text)["near"].startswith("本节点不知道名为“Atlantis”的地方")
    assert 'id="f-near" name="near" type="text" value="Atlantis"' in r.text and 'aria-invalid="true"' in r.text


def test_no_results_says_so_and_what_to_loosen(diner: Diner) -> None:
    r = diner.client.get("/", params={"q": "羊肉泡馍", "max_price": "1", "diet": "vegan", "source": "index"},
                         headers=EN)
    assert r.status_code == 200 and "No results." in r.text
    assert "raise or remove the maximum price" in r.text and "remove a diet filter" in r.text
    assert "search a wider distance" not in r.text  # no place was given: nothing to widen


def test_provider_page_shows_both_names_locations_menu_choices_rooms_jobs_and_jsonld(diner: Diner) -> None:
    r = diner.client.get("/p/chuanshan", headers=ZH)
    assert r.status_code == 200
    page = r.text
    assert "<title>川陕名吃 · 对接</title>" in page and "Chuan Shan Ming Chi" in page
    assert "2700 New York Ave. NE" in page and "316 N. Washington St." in page
    assert 'href="tel:+13018755144"' in page and 'href="tel:+12026363588"' in page
    assert "停车场" in page and "(100个以上)" in page and "卡拉OK（KTV）" in page and "宴会" in page
    liangpi = page.split('id="item-liangpi"')[1].split("</li>")[0]
    assert "辣度" in liangpi and "必选：选 1 项" in liangpi and "纯素" in liangpi
    assert 'type="radio" name="g-heat" value="heat:mild"' in liangpi
    assert 'href="/book/chuanshan/diaoyutai"' in page and "最多 60 人" in page and "订金 US$200.00" in page
    assert 'href="/jobs/chuanshan/cashier"' in page
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert script is not None
    graph = json.loads(script[1])["@graph"]
    assert graph[0]["@type"] == "Restaurant" and graph[0]["identifier"] == "chuanshan"


def test_unknown_provider_is_a_page_saying_so(diner: Diner) -> None:
    r = diner.client.get("/p/nobody", headers=EN)
    assert r.status_code == 404 and "holds no catalog of “nobody”" in r.text


def test_a_required_choice_missing_is_told_beside_the_choice(diner: Diner) -> None:
    token = _token(diner.client)
    r = diner.client.post("/cart/add", data={"csrf_token": token, "provider": "chuanshan", "from": "shop.test",
                                             "item": "liangpi", "quantity": "1"}, headers=ZH)
    assert r.status_code == 422
    assert _errors(r.text)["liangpi-heat"] == "请在“辣度”中选 1 项。"
    assert "duijie_cart" not in r.headers.get("set-cookie", "")


def test_order_at_a_closed_hour_is_refused_beside_the_pickup_time_and_nothing_is_sent(diner: Diner) -> None:
    token = _token(diner.client)
    _add(diner, token, "liangpi", 2, **{"g-heat": "heat:hot"})
    cart = diner.client.get("/cart", headers=EN)
    assert "US$17.90" in cart.text or "$17.90" in cart.text
    r = _order(diner, token, _open_pickup(diner).replace("12:30", "03:00"))
    assert r.status_code == 422
    text = _errors(r.text)["pickup"]
    assert text.startswith("川陕名吃 Rockville店 在该时间不营业") and not any(p in text for p in PREFIXES)
    assert not diner.buyer.services.buyer.purchases()  # type: ignore[union-attr]


def test_missing_name_and_bad_phone_are_told_beside_their_fields(diner: Diner) -> None:
    token = _token(diner.client)
    _add(diner, token, "yangrou-paomo")
    r = _order(diner, token, _open_pickup(diner), name="", phone="call me")
    errors = _errors(r.text)
    assert errors["name"] == "请填写取餐人姓名。" and errors["phone"].startswith("请填写电话号码")


def test_a_seller_refusal_is_told_in_the_visitors_language_without_prefixes(
    diner: Diner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(req: object) -> dict[str, object]:
        raise SellerRefused("on_select: Rockville is closed (code 30008)", code="30008", paths="fulfillments")

    monkeypatch.setattr(diner.buyer.services.buyer, "order", refuse)
    token = _token(diner.client)
    _add(diner, token, "yangrou-paomo")
    r = _order(diner, token, _open_pickup(diner))
    assert r.status_code == 409
    assert _errors(r.text)["pickup"] == "餐厅在该时间无法交付订单。请另选时间。"
    assert not any(p in r.text for p in PREFIXES)


def test_a_seller_refusal_naming_its_rule_is_told_by_that_rule(diner: Diner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A duijie seller puts the order rule in its error message (``(rule: item_not_available_now)``):
    the page says that rule, not only the field's generic sentence."""
    said = rule_texts.said("item_not_available_now", "", translations("zh").gettext)

    async def refuse(req: object) -> dict[str, object]:
        raise SellerRefused("on_select: 凉皮 is sold out (rule: item_not_available_now) (code 40002)", code="40002",
                            paths="items", reason="凉皮 is sold out (rule: item_not_available_now)")

    monkeypatch.setattr(diner.buyer.services.buyer, "order", refuse)
    token = _token(diner.client)
    _add(diner, token, "yangrou-paomo")
    r = _order(diner, token, _open_pickup(diner))
    assert r.status_code == 409 and said and said in r.text and "(rule:" not in r.text


def test_an_unreachable_seller_orders_nothing_and_says_so(diner: Diner) -> None:
    token = _token(diner.client)
    _add(diner, token, "yangrou-paomo")
    diner.net.transport.down.add(url("shop"))
    r = _order(diner, token, _open_pickup(diner))
    assert r.status_code == 502
    assert _errors(r.text)["cart"].startswith("餐厅节点没有回应")


def test_order_then_status_follows_the_merchant_and_the_receipt_verifies(diner: Diner) -> None:
    token = _token(diner.client)
    _add(diner, token, "liangpi", 1, **{"g-heat": "heat:mild"})
    _add(diner, token, "yangrou-paomo")
    r = _order(diner, token, _open_pickup(diner))
    assert r.status_code == 303, r.text[-1500:]
    where = r.headers["location"]
    order_id = where.rsplit("/", 1)[1]
    assert "duijie_cart=" in r.headers["set-cookie"]  # the cart is emptied
    page = diner.client.get(where, headers=ZH).text
    assert 'data-state="CREATED"' in page and f'data-live="/orders/{order_id}/live"' in page
    assert "凉皮" in page and "微辣" in page and "US$23.90" in page and "王芳" in page
    assert 'id="receipt-check"' in page and "已验证" in page

    merchant = diner.shop.services.merchant
    assert merchant is not None
    diner.shop_client.portal.call(merchant.accept, order_id)  # type: ignore[union-attr]
    diner.shop_client.portal.call(merchant.mark_ready, order_id)  # type: ignore[union-attr]
    for _ in range(100):  # the merchant's on_status arrives through its outbox
        live = diner.client.get(f"/orders/{order_id}/live", headers=ZH).text
        if 'data-state="READY"' in live:
            break
        diner.shop_client.portal.call(asyncio.sleep, 0.05)  # type: ignore[union-attr]
    assert 'data-state="READY"' in live and "您的订单已备好" in live and "<html" not in live

    receipt = diner.client.get(f"/orders/{order_id}/receipt.json")
    assert receipt.headers["content-disposition"].startswith("attachment;")
    check = verify_receipt(receipt.json())
    assert check.ok and {s.role for s in check.signatures} == {"seller", "buyer"}


def test_forms_without_the_csrf_token_are_refused(diner: Diner) -> None:
    diner.client.get("/p/chuanshan")
    r = diner.client.post("/cart/add", data={"csrf_token": "forged", "provider": "chuanshan", "item": "roujiamo"})
    assert r.status_code == 403 and "duijie_cart" not in r.headers.get("set-cookie", "")


def test_pages_act_for_the_owner_only(diner: Diner) -> None:
    with TestClient(diner.buyer.app, base_url=url("buyer")) as stranger:  # not loopback, not signed in
        for path in ("/", "/p/chuanshan", "/cart", "/orders/O-1"):
            r = stranger.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/merchant/login?next="), path


@pytest.mark.parametrize(("kind", "doc", "link"), [
    ("item", "n.test|p/item/liangpi@dc", "/p/p?from=n.test#item-liangpi"),
    ("resource", "n.test|p/resource/diaoyutai@dc", "/book/p/diaoyutai"),
    ("job", "n.test|p/job/cashier@dc", "/jobs/p/cashier"),
    ("offer", "n.test|p/offer/apples", "/offers/apples?provider=p&seller=n.test"),
    ("item", "n.test|p/item/pool-3f9a@dc", "/pools/pool-3f9a?bpp=http%3A%2F%2Fn.test%2Fbeckn&provider=p&bpp_id=n.test"),
    ("provider", "n.test|p/provider@dc", "/p/p?from=n.test"),
])
def test_each_kind_of_result_links_to_its_page(kind: str, doc: str, link: str) -> None:
    row = {"provider_id": "p", "kind": kind, "doc_id": doc, "bpp_id": "n.test", "bpp_uri": "http://n.test/beckn"}
    assert search_pages._href(row) == link
