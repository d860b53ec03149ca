"""A seller's refusal that names its rule reaches the pool, booking and job pages as that rule, said
in the visitor's language (Chinese: the rule's sentence; English: the seller's own words), never
with the rule's marker (``(rule: …)``, ``not_the_pledger: ``) or the Beckn wrapping; a refusal
naming no rule keeps the page's own sentence. In-process nodes (MockTransport)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from tests.support.mock_network import MockNet, ShopAndDiner, shop_and_diner, url
from tests.support.mock_pools import apple_terms
from tests.support.mock_web import form_token, page_client

from duijie.bootstrap import Node
from duijie.services.buyer import SellerRefused

pytestmark = pytest.mark.anyio

MARKERS = ("(rule:", "on_confirm", "on_update", "on_cancel", "(code ", "not_the_pledger", "party_above")


@pytest.fixture
async def pair(net: MockNet) -> AsyncIterator[ShopAndDiner]:
    """川陕名吃 (which also organizes pools) and a diner's node holding its catalog."""
    async with shop_and_diner(net, shop_roles=("BPP", "BAP")) as both:
        yield both


def friday() -> date:
    day = date.today() + timedelta(days=14)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="e-{re.escape(field)}" role="alert">([^<]+)</p>', page)
    assert found, f"no error beside {field}: {page[:3000]}"
    return html.unescape(found.group(1))


def refuse_with(node: Node, method: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``node``'s buyer ``method`` answers as a duijie seller refusing with ``reason`` would."""
    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise SellerRefused(f"on_confirm: {reason} (code 30004)", code="30004", paths=None, reason=reason)

    monkeypatch.setattr(node.services.buyer, method, refused)


@pytest.mark.parametrize(("lang", "said"), [("zh", "人数超过包间容量（最多 40 人）"),
                                            ("en", "diaoyutai holds at most 40 guests, not 50")])
async def test_a_room_the_seller_finds_too_small_says_its_capacity_beside_the_party(
        pair: ShopAndDiner, monkeypatch: pytest.MonkeyPatch, lang: str, said: str) -> None:
    """The seller's room holds fewer than the catalog this node holds says: its rule (and limit) is
    told beside the party, not an empty page."""
    day = friday().isoformat()
    async with page_client(pair.diner, lang=lang) as web:
        room = await web.get("/book/chuanshan/diaoyutai", params={"party": 50, "date": day})
        slot = re.search(r'name="slot" value="([^"]+)"', room.text)
        assert slot, room.text[:2000]
        refuse_with(pair.diner, "place", "diaoyutai holds at most 40 guests, not 50 (rule: party_above_capacity)",
                    monkeypatch)
        r = await web.post("/book/chuanshan/diaoyutai", data={
            "csrf_token": form_token(room.text), "party": "50", "date": day, "slot": slot.group(1), "name": "王芳"})
    assert r.status_code == 409
    assert error_beside(r.text, "party") == said
    assert not any(m in r.text for m in MARKERS)


@pytest.mark.parametrize(("lang", "said"), [("zh", "只有预订人可以这样做"),
                                            ("en", "R-1 was booked by another guest")])
async def test_a_booking_change_refused_by_rule_says_the_rule(
        pair: ShopAndDiner, monkeypatch: pytest.MonkeyPatch, lang: str, said: str) -> None:
    day = friday().isoformat()
    async with page_client(pair.diner, lang=lang) as web:
        room = await web.get("/book/chuanshan/ktv", params={"party": 6, "date": day})
        slot = re.search(r'name="slot" value="([^"]+)"', room.text)
        assert slot
        booked = await web.post("/book/chuanshan/ktv", data={
            "csrf_token": form_token(room.text), "party": "6", "date": day, "slot": slot.group(1), "name": "王芳"})
        assert booked.status_code == 303, booked.text
        page = await web.get(booked.headers["location"])
        refuse_with(pair.diner, "cancel", "R-1 was booked by another guest (rule: not_the_guest)", monkeypatch)
        r = await web.post(f"{booked.headers['location']}/cancel", data={"csrf_token": form_token(page.text)})
    assert r.status_code == 409 and said in html.unescape(r.text)
    assert not any(m in r.text for m in MARKERS)


@pytest.mark.parametrize(("lang", "said"), [("zh", "该申请已结束"),
                                            ("en", "the application is already REJECTED")])
async def test_withdrawing_an_application_the_employer_closed_says_it_is_closed(
        pair: ShopAndDiner, lang: str, said: str) -> None:
    """A real refusal: the employer rejects, then the applicant's stale page withdraws."""
    assert pair.shop.services.applications is not None
    async with page_client(pair.diner, lang=lang) as web:
        posting = await web.get("/jobs/chuanshan/cashier")
        sent = await web.post("/jobs/chuanshan/cashier", data={
            "csrf_token": form_token(posting.text), "name": "李明", "phone": "+1-202-555-0142"})
        assert sent.status_code == 303, sent.text
        where = sent.headers["location"]
        page = await web.get(where)
        await pair.shop.services.applications.move(where.rsplit("/", 1)[1], "REJECTED")
        r = await web.post(f"{where}/withdraw", data={"csrf_token": form_token(page.text)})
    assert r.status_code == 409 and said in html.unescape(r.text)
    assert not any(m in r.text for m in MARKERS)


async def test_an_application_refused_by_a_rule_without_a_page_sentence_says_the_rule(
        pair: ShopAndDiner, monkeypatch: pytest.MonkeyPatch) -> None:
    async with page_client(pair.diner, lang="zh") as web:
        posting = await web.get("/jobs/chuanshan/cashier")
        refuse_with(pair.diner, "place", "applicant: the phone is not valid (rule: applicant)", monkeypatch)
        r = await web.post("/jobs/chuanshan/cashier", data={
            "csrf_token": form_token(posting.text), "name": "李明", "phone": "+1-202-555-0142"})
    assert r.status_code == 409 and "申请人信息不完整或无效" in r.text
    assert not any(m in r.text for m in MARKERS)


async def test_a_refusal_naming_no_rule_keeps_the_pages_sentence(
        pair: ShopAndDiner, monkeypatch: pytest.MonkeyPatch) -> None:
    async with page_client(pair.diner) as web:
        posting = await web.get("/jobs/chuanshan/cashier")
        refuse_with(pair.diner, "place", "something went wrong", monkeypatch)
        r = await web.post("/jobs/chuanshan/cashier", data={
            "csrf_token": form_token(posting.text), "name": "李明", "phone": "+1-202-555-0142"})
    assert r.status_code == 409 and "did not accept the application" in r.text


@pytest.mark.parametrize(("lang", "said"), [("zh", "只有认购的买家可以这样做"),
                                            ("en", "pledge PL-1 was made by another buyer")])
async def test_a_pledge_change_refused_by_the_organizer_says_its_rule(
        pair: ShopAndDiner, monkeypatch: pytest.MonkeyPatch, lang: str, said: str) -> None:
    assert pair.shop.services.pools is not None
    pool = await pair.shop.services.pools.open(apple_terms(maximum="200"), "http://farm.test/beckn")
    where = {"bpp": url("shop") + "/beckn", "provider": "chuanshan", "bpp_id": pair.shop.config.subscriber_id}
    async with page_client(pair.diner, lang=lang) as web:
        page = await web.get(f"/pools/{pool.id}", params=where)
        done = await web.post(f"/pools/{pool.id}/pledge", data={**where, "quantity": "40",
                                                                "csrf_token": form_token(page.text)})
        assert done.status_code == 303, done.text
        pledge_id = re.search(r"pledged=(PL-[0-9a-f]+)", done.headers["location"])
        assert pledge_id
        refuse_with(pair.diner, "update", "not_the_pledger: pledge PL-1 was made by another buyer", monkeypatch)
        r = await web.post(f"/pools/{pool.id}/pledges/{pledge_id.group(1)}/change",
                           data={**where, "quantity": "50", "csrf_token": form_token(page.text)})
    assert r.status_code == 400
    assert error_beside(r.text, f"change-{pledge_id.group(1)}") == said
    assert not any(m in r.text for m in MARKERS)
