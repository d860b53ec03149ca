"""Phones are shown the way people dial them wherever a page shows one (``fmt.phone``): the provider
page, the job posting, the diner's order page, the merchant's order inbox and booking desk. A number
of the place's own country in national format, any other internationally, each linked as E.164
(``tel:+13015550100``); a number the library cannot read is shown as entered, never hidden.
In-process nodes (MockTransport)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from tests.support.mock_network import DEMO_DATA, MockNet, ShopAndDiner, shop_and_diner
from tests.support.mock_web import form_token, page_client, sign_in_as_merchant

from duijie.services.trade.reservation.merchant import with_approval

pytestmark = pytest.mark.anyio

US = "+1 301 555 0100"
CN = "+86 138 0013 8000"
ODD = "555-01"  # too short for any country: shown as entered
SHOWN = {US: ('href="tel:+13015550100"', "(301) 555-0100"), CN: ('href="tel:+8613800138000"', "+86 138 0013 8000"),
         ODD: ('href="tel:555-01"', "555-01")}


@pytest.fixture
async def pair(net: MockNet) -> AsyncIterator[ShopAndDiner]:
    """川陕名吃 with Rockville's phones as a US, a Chinese and an unreadable number, and a diner."""
    doc = json.loads((DEMO_DATA / "chuanshan.json").read_text())
    rockville = next(loc for loc in doc["provider"]["locations"] if loc["id"] == "rockville")
    rockville["phones"] = [US, CN, ODD]
    doc["jobs"][0]["apply_via"][0]["value"] = CN
    async with shop_and_diner(net, document=doc) as both:
        yield both


def link(page: str, number: str) -> bool:
    href, text = SHOWN[number]
    return re.search(rf'<a(?: class="phone")? {re.escape(href)}>{re.escape(text)}</a>', page) is not None


async def test_the_provider_page_and_the_job_posting_show_phones_as_dialled(pair: ShopAndDiner) -> None:
    async with page_client(pair.diner) as web:
        provider = (await web.get("/p/chuanshan")).text
        posting = (await web.get("/jobs/chuanshan/cashier")).text
    assert all(link(provider, n) for n in (US, CN, ODD)), provider
    assert '<a href="tel:+12026363588">(202) 636-3588</a>' in provider  # DC's, stored as +1-202-636-3588
    assert link(posting, CN) and '<a href="tel:+12025341620">(202) 534-1620</a>' in posting


async def _order(web: httpx.AsyncClient, phone: str) -> str:
    """An order for pickup at Rockville two days ahead, for ``phone``; its page's path."""
    token = form_token((await web.get("/p/chuanshan")).text)
    added = await web.post("/cart/add", data={"csrf_token": token, "provider": "chuanshan", "from": "shop.test",
                                              "item": "yangrou-paomo", "quantity": "1"})
    assert added.status_code == 303, added.text
    day = (date.today() + timedelta(days=2)).isoformat()
    placed = await web.post("/cart/order", data={"csrf_token": token, "name": "王芳", "phone": phone,
                                                 "location": "rockville", "pickup": f"{day}T12:30"})
    assert placed.status_code == 303, placed.text
    return placed.headers["location"]


async def test_orders_show_the_guests_phone_on_the_diners_page_and_in_the_merchants_inbox(pair: ShopAndDiner) -> None:
    async with page_client(pair.diner) as web, page_client(pair.shop) as shop:
        pages = {n: (await web.get(await _order(web, n))).text for n in (US, CN, ODD)}
        await sign_in_as_merchant(shop, pair.shop)
        inbox = (await shop.get("/merchant")).text
    for number, page in pages.items():
        assert link(page, number), number
        assert link(inbox, number), number


async def test_the_booking_desk_and_its_decline_page_show_the_guests_phone_as_dialled(pair: ShopAndDiner) -> None:
    catalog = pair.shop.services.catalog
    catalog.save_listing(with_approval(catalog.listing("chuanshan").listing, "ktv", "manual"))
    day = (date.today() + timedelta(days=14))
    day += timedelta(days=(4 - day.weekday()) % 7)  # a Friday: every room is open
    async with page_client(pair.diner) as web, page_client(pair.shop) as shop:
        room = await web.get("/book/chuanshan/ktv", params={"party": 6, "date": day.isoformat()})
        slot = re.search(r'name="slot" value="([^"]+)"', room.text)
        assert slot, room.text[:2000]
        booked = await web.post("/book/chuanshan/ktv", data={
            "csrf_token": form_token(room.text), "party": "6", "date": day.isoformat(), "slot": slot.group(1),
            "name": "王芳", "phone": CN})
        assert booked.status_code == 303, booked.text
        await sign_in_as_merchant(shop, pair.shop)
        desk = (await shop.get("/merchant/bookings", params={"day": day.isoformat(), "provider": "chuanshan"})).text
        booking_id = booked.headers["location"].rsplit("/", 1)[1]
        decline = (await shop.get(f"/merchant/bookings/{booking_id}/decline")).text
    assert "王芳" in desk and link(desk, CN), desk[:3000]
    assert link(decline, CN), decline[:3000]
