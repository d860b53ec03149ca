"""The merchant's listing editor in-process (MockTransport): 川陕名吃's node edits hours, dishes with
add-ons, sections, rooms and jobs; every save is checked whole like an import (a refused edit
changes nothing and says every problem beside its field, in the visitor's language); imports and
exports go through the CLI's importers; and a buyer node's search sees a saved price."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from tests.support.mock_network import DEMO_DATA, MockNet, url

from duijie.bootstrap import Node
from duijie.domain.errors import ValidationFailed
from duijie.domain.listing_problems import ListingProblem
from duijie.l10n.catalogs import translations
from duijie.l10n.listing_reasons import say
from duijie.services.container import running
from duijie.services.errors import Conflict
from duijie.services.trade.catalog import CatalogService
from duijie.storage.node_config import read_admin_token
from duijie.storage.uow import SqlUnitOfWorkFactory
from duijie.transport.mock import MockTransport

pytestmark = pytest.mark.anyio
BASE = "/merchant/listing/chuanshan"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Shop:
    node: Node
    diner: Node
    page: httpx.AsyncClient  # the merchant, signed in

    async def csrf(self, path: str = BASE) -> str:
        return csrf_of((await self.page.get(path)).text)

    async def post(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return await self.page.post(path, data={"csrf_token": await self.csrf(), **data}, **kwargs)

    def document(self) -> dict[str, Any]:
        return json.loads(self.node.services.catalog.export_document("chuanshan"))  # type: ignore[no-any-return]

    def version(self) -> int:
        return self.node.services.catalog.listing("chuanshan").version


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def form_of(html: str) -> dict[str, str]:
    """The values an edit page's form would post as it is shown (text inputs, selections, ticks)."""
    values: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and ('type="checkbox"' not in tag or " checked" in tag):
            values[name[1]] = value[1] if value and 'type="checkbox"' not in tag else "on"
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = chosen[1] if chosen else ""
    for name, body in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = body
    return {k: v.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"') for k, v in values.items()}


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="e-{re.escape(field)}" role="alert">(.*?)</p>', html, re.S)
    assert found, f"no error beside {field}"
    return found[1].replace("&#34;", '"').replace("&#39;", "'")


@pytest.fixture
async def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Shop]:
    monkeypatch.setenv("DUIJIE_SEMANTIC", "0")
    monkeypatch.setenv("DUIJIE_LOCAL_INDEX", "0")
    net = MockNet(tmp_path, MockTransport(), {})
    node = net.add("shop", roles=("BPP",))
    node.services.catalog.import_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))
    diner = net.add("diner", peers=(url("shop"),), roles=("BAP",))
    token = read_admin_token(tmp_path / "shop")
    async with running(node.services), running(diner.services):
        transport = httpx.ASGITransport(app=node.app, client=("203.0.113.9", 40000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test",
                                     cookies={"duijie_lang": "en"}) as page:
            login = await page.post("/merchant/login", data={
                "csrf_token": csrf_of((await page.get("/merchant/login")).text), "name": "admin", "password": token})
            assert login.status_code == 303, login.text[:2000]
            yield Shop(node, diner, page)
    net.close()


async def test_pages_need_a_signed_in_merchant(shop: Shop) -> None:
    transport = httpx.ASGITransport(app=shop.node.app, client=("203.0.113.9", 40000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as stranger:
        for path in ("/merchant/listing", BASE, f"{BASE}/items/liangpi", f"{BASE}/export.json"):
            r = await stranger.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/merchant/login?next=")
        r = await stranger.post(f"{BASE}/items/liangpi", data={"price": "1.00"})
        assert r.status_code == 303
    assert shop.version() == 1


async def test_a_forged_form_token_is_refused_and_changes_nothing(shop: Shop) -> None:
    r = await shop.page.post(f"{BASE}/hours/dc", data={"hours_dc": "24/7", "csrf_token": "x" * 43})
    assert r.status_code == 403 and shop.version() == 1


async def test_overview_shows_every_part_of_the_listing(shop: Shop) -> None:
    r = await shop.page.get("/merchant/listing")
    assert r.status_code == 303 and r.headers["location"] == BASE  # the node's one provider
    page = (await shop.page.get(BASE)).text
    assert "<title>Edit listing: Chuan Shan" in page
    assert 'value="Su-Th 11:00-22:00; Fr,Sa 11:00-23:00"' in page  # DC's hours, in its own form
    for shown in ("Roujiamo", "$6.95", "Heat (required choice)", "Diaoyutai", "$200.00", "Cashier",
                  f"{BASE}/export.json", f"{BASE}/export.csv", 'enctype="multipart/form-data"'):
        assert shown in page, shown
    shop.page.cookies.set("duijie_lang", "zh")
    zh = (await shop.page.get(BASE)).text
    assert "编辑店铺资料" in zh and "营业时间" in zh and "辣度 (必选)" in zh


async def test_a_new_price_is_served_by_the_api_and_the_nodes_on_search(shop: Shop) -> None:
    form = form_of((await shop.page.get(f"{BASE}/items/roujiamo")).text)
    assert form["price"] == "6.95" and form["g0_o0_id"] == "meat" and form["name_zh"] == "肉夹馍"
    r = await shop.post(f"{BASE}/items/roujiamo", {**form, "price": "7.25"})
    assert r.status_code == 303 and r.headers["location"] == f"{BASE}?saved=2#menu"
    api = (await shop.page.get("/api/providers/chuanshan")).json()
    item = next(i for i in api["listing"]["catalog"]["items"] if i["id"] == "roujiamo")
    assert api["version"] == 2 and item["price"] == {"amount": "7.25", "currency": "USD"}
    assert item["option_groups"][0]["options"][0]["price"]["amount"] == "2.50"  # the add-ons as they were
    buyer = shop.diner.services.buyer
    assert buyer is not None
    results = await buyer.search("肉夹馍", url("shop") + "/beckn", wait=2)
    assert "7.25" in json.dumps(results) and "6.95" not in json.dumps(results)
    assert "Saved. The listing is now version 2" in (await shop.page.get(f"{BASE}?saved=2")).text


async def test_a_refused_edit_changes_nothing_and_says_every_problem_beside_its_field(shop: Shop) -> None:
    form = form_of((await shop.page.get(f"{BASE}/items/liangpi")).text)
    before = shop.document()
    bad = {**form, "price": "abc", "stock": "-3", "g0_max": "5", "name_zh": "", "name_en": "",
           "available_hours": "Mo-Fr 11:00-2500", "g0_o1_name_en": "Medium / hot"}
    shop.page.cookies.set("duijie_lang", "zh")
    r = await shop.post(f"{BASE}/items/liangpi", bad)
    assert r.status_code == 400
    assert error_of(r.text, "price") == "“abc”不是金额（例如 12.50）"
    assert error_of(r.text, "name_zh") == "请填写中文或英文名称"
    assert error_of(r.text, "stock") == "不能小于 0"
    assert error_of(r.text, "g0_max") == "超过了现有的 3 个选项"
    assert "“Mo-Fr 11:00-2500”" in error_of(r.text, "available_hours")
    assert "“2500”" in error_of(r.text, "available_hours")
    assert "|" in error_of(r.text, "g0_o1_name_en")
    assert 'value="abc"' in r.text  # what was typed is shown again
    assert shop.document() == before and shop.version() == 1


async def test_hours_error_names_the_bad_part_and_good_hours_are_saved(shop: Shop) -> None:
    r = await shop.post(f"{BASE}/hours/rockville", {"hours_rockville": "Mo-Fr 11:00-22:00; Sa 10:00-2300"})
    assert r.status_code == 400
    message = error_of(r.text, "hours_rockville")
    assert message == "in “Sa 10:00-2300”, “2300” is not understood: expected a time range such as 11:00-22:00"
    assert shop.version() == 1
    r = await shop.post(f"{BASE}/hours/rockville", {"hours_rockville": "Mo-Su 10:30-21:30"})
    assert r.status_code == 303
    locations = {loc["id"]: loc for loc in shop.document()["provider"]["locations"]}
    assert locations["rockville"]["opening_hours"] == "Mo-Su 10:30-21:30"
    assert locations["dc"]["opening_hours"] == "Su-Th 11:00-22:00; Fr,Sa 11:00-23:00"


async def test_a_new_dish_with_a_required_choice_and_its_deletion(shop: Shop) -> None:
    page = (await shop.page.get(f"{BASE}/items/new")).text
    assert "Price in USD" in page and 'id="f-g0_o1_price"' in page  # an empty group, two empty options
    form = {**form_of(page), "section_id": "sichuan", "name_zh": "担担面", "name_en": "Dan dan noodles",
            "price": "11.5", "diet_vegetarian": "on", "spice": "3",
            "g0_name_zh": "辣度", "g0_name_en": "Heat", "g0_min": "1", "g0_max": "1",
            "g0_o0_name_zh": "微辣", "g0_o0_name_en": "Mild", "g0_o1_name_zh": "特辣", "g0_o1_name_en": "Extra hot",
            "g0_o1_price": "0.5"}
    r = await shop.post(f"{BASE}/items/new", form)
    assert r.status_code == 303, r.text[:3000]
    item = next(i for i in shop.document()["catalog"]["items"] if i["id"] == "dan-dan-noodles")
    assert item["price"] == {"amount": "11.5", "currency": "USD"} and item["diet"] == ["vegetarian"]
    assert item["option_groups"] == [{
        "id": "heat", "name": {"zh": "辣度", "en": "Heat"}, "min_choices": 1, "max_choices": 1, "options": [
            {"id": "mild", "name": {"zh": "微辣", "en": "Mild"}, "price": {"amount": "0.00", "currency": "USD"}},
            {"id": "extra-hot", "name": {"zh": "特辣", "en": "Extra hot"},
             "price": {"amount": "0.5", "currency": "USD"}}]}]
    again = await shop.post(f"{BASE}/items/new", {**form, "id": "dan-dan-noodles"})
    assert again.status_code == 400 and "is already used" in error_of(again.text, "id")
    r = await shop.post(f"{BASE}/items/dan-dan-noodles/delete", {"version": str(shop.version())})
    assert r.status_code == 303
    assert "dan-dan-noodles" not in json.dumps(shop.document())


async def test_a_form_from_before_another_save_is_refused(shop: Shop) -> None:
    form = form_of((await shop.page.get(f"{BASE}/jobs/cashier")).text)
    assert form["version"] == "1" and form["title_zh"] == "收银员" and "英文好 / Fluent English" in form["requirements"]
    assert (await shop.post(f"{BASE}/jobs/cashier", {**form, "openings": "2"})).status_code == 303
    r = await shop.post(f"{BASE}/jobs/cashier", {**form, "openings": "3"})
    assert r.status_code == 400 and "changed since this form was opened" in r.text
    job = next(j for j in shop.document()["jobs"] if j["id"] == "cashier")
    assert job["openings"] == 2 and len(job["apply_via"]) == 3  # ways to apply are kept
    assert job["requirements"][0] == {"zh": "英文好", "en": "Fluent English"}


async def test_rooms_keep_their_rules_and_a_capacity_below_the_smallest_party_is_refused(shop: Shop) -> None:
    form = form_of((await shop.page.get(f"{BASE}/rooms/diaoyutai")).text)
    assert form["capacity"] == "60" and form["deposit"] == "200.00" and form["min_party"] == "10"
    r = await shop.post(f"{BASE}/rooms/diaoyutai", {**form, "capacity": "8", "deposit": "-5"})
    assert r.status_code == 400
    assert error_of(r.text, "min_party") == "10 is more than the capacity 8"
    assert error_of(r.text, "deposit") == "must not be negative (got -5)"
    r = await shop.post(f"{BASE}/rooms/diaoyutai", {**form, "deposit": "250"})
    assert r.status_code == 303
    room = next(x for x in shop.document()["resources"] if x["id"] == "diaoyutai")
    assert room["deposit"] == {"amount": "250", "currency": "USD"} and room["lead_time_minutes"] == 1440


async def test_sections_are_renamed_added_and_a_section_with_dishes_is_kept(shop: Shop) -> None:
    form = form_of((await shop.page.get(f"{BASE}/sections")).text)
    assert form["s0_id"] == "shaanxi"
    r = await shop.post(f"{BASE}/sections", {**form, "s0_remove": "on"})
    assert r.status_code == 400 and "still has 3 items" in error_of(r.text, "s0_remove")
    r = await shop.post(f"{BASE}/sections", {**form, "s3_name_en": "Home cooking!", "s4_name_zh": "饮料",
                                              "s4_name_en": "Drinks"})
    assert r.status_code == 303
    sections = shop.document()["catalog"]["sections"]
    assert [s["id"] for s in sections] == ["shaanxi", "sichuan", "cantonese", "home", "drinks"]
    assert sections[3]["name"]["en"] == "Home cooking!"


async def test_csv_with_rmb_is_refused_naming_its_line(shop: Shop) -> None:
    csv_text = shop.node.services.catalog.export_menu_csv("chuanshan").replace(",6.95,USD,", ",6.95,RMB,")
    r = await shop.page.post(f"{BASE}/import", data={"csrf_token": await shop.csrf()},
                             files={"file": ("menu.csv", ("\ufeff" + csv_text).encode(), "text/csv")})
    assert r.status_code == 400
    assert "<strong>line 2</strong>: column currency: &#39;RMB&#39; is not a currency code" in r.text
    assert shop.version() == 1


async def test_exports_download_and_import_back_unchanged(shop: Shop) -> None:
    listing = await shop.page.get(f"{BASE}/export.json")
    assert listing.headers["content-disposition"] == 'attachment; filename="chuanshan.listing.json"'
    menu = await shop.page.get(f"{BASE}/export.csv")
    assert menu.headers["content-type"].startswith("text/csv") and menu.text.startswith("section_id,")
    for name, body in (("chuanshan.listing.json", listing.content), ("chuanshan.menu.csv", menu.content)):
        r = await shop.page.post(f"{BASE}/import", data={"csrf_token": await shop.csrf()},
                                 files={"file": (name, body, "application/octet-stream")})
        assert r.status_code == 303 and r.headers["location"] == f"{BASE}?unchanged=1#transfer"
    other = json.loads(listing.text) | {}
    other["provider"]["id"] = "someone-else"
    r = await shop.page.post(f"{BASE}/import", data={"csrf_token": await shop.csrf()},
                             files={"file": ("x.json", json.dumps(other).encode(), "application/json")})
    assert r.status_code == 400 and "this file is the listing of “someone-else”" in r.text


async def test_a_bad_json_file_lists_every_problem_with_its_path(shop: Shop) -> None:
    document = shop.document()
    document["catalog"]["items"][0]["price"]["currency"] = "XYZ"
    document["resources"][0]["capacity"] = 0
    text = json.dumps(document, indent=2, ensure_ascii=False)
    r = await shop.page.post(f"{BASE}/import", data={"csrf_token": await shop.csrf()},
                             files={"file": ("l.json", text.encode(), "application/json")})
    assert r.status_code == 400
    lines = text.splitlines()
    price = next(n for n, line in enumerate(lines, 1) if '"XYZ"' in line) - 2  # its "price": { line
    capacity = next(n for n, line in enumerate(lines, 1) if '"capacity": 0' in line)
    assert f"<strong>line {price} ($.catalog.items[0].price)</strong>: &#39;XYZ&#39; is not a currency code" in r.text
    assert f"<strong>line {capacity} ($.resources[0].capacity)</strong>: must be at least 1" in r.text
    assert shop.version() == 1


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_service_edit_is_checked_whole_and_a_stale_version_is_refused(engine: Engine) -> None:
    catalog = CatalogService(SqlUnitOfWorkFactory(engine), FixedClock())
    catalog.import_document(json.loads((DEMO_DATA / "chuanshan.json").read_text()))

    def negative(doc: dict[str, Any]) -> None:
        doc["catalog"]["items"][1]["price"]["amount"] = "-1"
        doc["resources"][0]["capacity"] = 0

    with pytest.raises(ValidationFailed) as refused:
        catalog.edit_listing("chuanshan", negative)
    assert {i.path for i in refused.value.issues} == {"$.catalog.items[1].price", "$.resources[0].capacity"}

    def rename(doc: dict[str, Any]) -> None:
        doc["provider"]["id"] = "other"

    with pytest.raises(ValidationFailed) as renamed:
        catalog.edit_listing("chuanshan", rename)
    (issue,) = renamed.value.issues
    assert (issue.path, issue.code) == ("$.provider.id", ListingProblem.PROVIDER_ID_CHANGED)
    assert say(issue.reason, translations("zh").gettext) == "编辑不能更改商家编号 'chuanshan'"

    def cheaper(doc: dict[str, Any]) -> None:
        doc["catalog"]["items"][1]["price"]["amount"] = "8.50"

    assert catalog.edit_listing("chuanshan", cheaper, expected_version=1).version == 2
    with pytest.raises(Conflict):
        catalog.edit_listing("chuanshan", cheaper, expected_version=1)
    stored = catalog.listing("chuanshan")
    assert stored.version == 2 and stored.listing.item("liangpi").price.to_wire() == "8.50"
    assert b'"amount":"8.50"' in catalog.listing_view("chuanshan")
