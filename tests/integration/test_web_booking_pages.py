"""The reservation and job pages in-process (MockTransport): a diner node that holds 川陕名吃's catalog
books its rooms and applies for its jobs; the error paths answer beside the field, in the visitor's
language, and nothing is sent that should not be."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.support.mock_network import MockNet, url
from tests.support.mock_web import form_token, page_client

from duijie.bootstrap import Node
from duijie.services.container import running
from duijie.services.trade.reservation.merchant import with_approval
from duijie.storage.node_config import read_admin_token

pytestmark = pytest.mark.anyio
LOOPBACK = ("127.0.0.1", 50000)


@dataclass
class Pair:
    net: MockNet
    shop: Node
    diner: Node
    page: httpx.AsyncClient  # the diner's pages, from loopback, in English


def friday(weeks: int = 2) -> date:
    """A Friday at least ``weeks`` weeks ahead (past every lead time)."""
    day = date.today() + timedelta(days=7 * weeks)
    return day + timedelta(days=(4 - day.weekday()) % 7)


@pytest.fixture
async def pair(net: MockNet) -> AsyncIterator[Pair]:
    shop = net.add("shop", roles=("BPP",), listing="chuanshan.json")
    diner = net.add("diner", peers=(url("shop"),), roles=("BAP",))
    async with running(shop.services), running(diner.services):
        assert diner.services.discovery is not None
        await diner.services.discovery.run_round()
        async with page_client(diner) as page:
            yield Pair(net, shop, diner, page)


async def test_room_page_shows_terms_deposit_and_free_slots_in_local_time(pair: Pair) -> None:
    r = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 40, "date": friday().isoformat()})
    assert r.status_code == 200, r.text
    assert "<title>Book Diaoyutai luxury private room" in r.text
    assert "$200.00" in r.text and "48 hours" in r.text and "10 to 60" in r.text
    assert re.search(r'value="[^"|]+T18:00:00-05:00\|[^"]+T21:00:00-05:00"', r.text), "18:00-21:00 local is free"
    assert "6:00\u202fPM" in r.text or "6:00 PM" in r.text


async def test_a_party_too_large_is_told_the_capacity_beside_the_field(pair: Pair) -> None:
    r = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 61, "date": friday().isoformat()})
    assert r.status_code == 200
    error = re.search(r'<p class="error" id="e-party" role="alert">([^<]+)</p>', r.text)
    assert error and "at most 60 guests" in error.group(1)
    assert 'aria-invalid="true" aria-describedby="e-party"' in r.text
    assert 'name="slot"' not in r.text  # no slot is offered to a party that does not fit
    pair.page.cookies.set("duijie_lang", "zh")
    zh = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 61, "date": friday().isoformat()})
    assert "最多容纳60位客人" in zh.text


async def test_booking_takes_the_slot_away_and_a_second_try_offers_the_waitlist(pair: Pair) -> None:
    day = friday(3).isoformat()
    room = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 40, "date": day})
    slot = re.search(r'value="([^"|]+T18:00:00-05:00\|[^"]+)"', room.text)
    assert slot
    form = {"csrf_token": form_token(room.text), "party": "40", "date": day, "slot": slot.group(1),
            "name": "王芳", "phone": "+1-202-555-0100"}
    booked = await pair.page.post("/book/chuanshan/diaoyutai", data=form)
    assert booked.status_code == 303, booked.text
    where = booked.headers["location"]
    assert where.startswith("/bookings/R-")
    page = await pair.page.get(where)
    assert page.status_code == 200 and "Confirmed" in page.text and "receipt.json" in page.text
    assert f'data-live="{where}/live"' in page.text
    receipt = await pair.page.get(f"{where}/receipt.json")
    assert receipt.status_code == 200 and receipt.json()

    again = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 40, "date": day})
    assert slot.group(1) not in again.text  # the slot is gone for everyone
    taken = await pair.page.post("/book/chuanshan/diaoyutai", data={**form, "name": "李雷"})
    assert taken.status_code == 409 and "just taken" in taken.text and "Join the waitlist" in taken.text
    waiting = await pair.page.post("/book/chuanshan/diaoyutai", data={**form, "name": "李雷", "waitlist": "1"})
    assert waiting.status_code == 202 and "number 1 on the waitlist" in waiting.text

    not_held = await pair.page.post(f"{where}/take", data={"csrf_token": form_token(page.text)})
    assert not_held.status_code == 409 and "not held for you" in not_held.text  # a stale page's button
    cancelled = await pair.page.post(f"{where}/cancel", data={"csrf_token": form_token(page.text)})
    assert cancelled.status_code == 303
    assert "Cancelled" in (await pair.page.get(where)).text


async def test_guest_fields_are_checked_beside_each_field_and_nothing_is_sent(pair: Pair) -> None:
    day = friday().isoformat()
    room = await pair.page.get("/book/chuanshan/ktv", params={"party": 6, "date": day})
    slot = re.search(r'name="slot" value="([^"]+)"', room.text)
    assert slot
    pair.net.transport.sent.clear()
    r = await pair.page.post("/book/chuanshan/ktv", data={
        "csrf_token": form_token(room.text), "party": "6", "date": day, "slot": slot.group(1), "name": " ",
        "phone": "call me", "email": "nope"})
    assert r.status_code == 400
    for name in ("name", "phone", "email"):
        assert f'id="e-{name}"' in r.text, name
    assert not [u for u, _ in pair.net.transport.sent if "/beckn/" in u]


async def test_a_form_without_its_token_is_refused(pair: Pair) -> None:
    r = await pair.page.post("/book/chuanshan/ktv", data={"party": "6", "name": "x"})
    assert r.status_code == 403


async def test_a_visitor_from_elsewhere_is_sent_to_sign_in(pair: Pair) -> None:
    transport = httpx.ASGITransport(app=pair.diner.app, client=("203.0.113.9", 4000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://diner.test") as outsider:
        r = await outsider.get("/book/chuanshan/diaoyutai")
    assert r.status_code == 303 and r.headers["location"].startswith("/merchant/login?next=")


async def test_unknown_provider_room_or_booking_is_a_page_not_found(pair: Pair) -> None:
    for path in ("/book/nowhere", "/book/chuanshan/ballroom", "/bookings/R-nope"):
        r = await pair.page.get(path)
        assert r.status_code == 404 and "<title>Not found" in r.text, path


async def test_a_bad_day_is_told_beside_the_field(pair: Pair) -> None:
    r = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 20, "date": "Friday"})
    assert r.status_code == 200 and 'id="e-date"' in r.text


async def test_the_rooms_page_says_when_the_seller_does_not_answer(pair: Pair) -> None:
    pair.net.transport.down.add(url("shop"))
    r = await pair.page.get("/book/chuanshan", params={"party": 20, "date": friday().isoformat()})
    assert r.status_code == 200 and "did not answer" in r.text
    assert "Diaoyutai luxury private room" in r.text  # the rooms and their terms are still shown


async def test_the_booking_page_follows_the_merchant(pair: Pair) -> None:
    catalog = pair.shop.services.catalog
    catalog.save_listing(with_approval(catalog.listing("chuanshan").listing, "ktv", "manual"))
    day = friday(4).isoformat()
    room = await pair.page.get("/book/chuanshan/ktv", params={"party": 6, "date": day})
    slot = re.search(r'name="slot" value="([^"]+)"', room.text)
    assert slot
    booked = await pair.page.post("/book/chuanshan/ktv", data={
        "csrf_token": form_token(room.text), "party": "6", "date": day, "slot": slot.group(1), "name": "王芳"})
    where = booked.headers["location"]
    assert "Waiting for the restaurant" in (await pair.page.get(where)).text
    assert pair.shop.services.reservations is not None
    await pair.shop.services.reservations.desk.accept(where.rsplit("/", 1)[1])
    for _ in range(100):  # the merchant's on_status reaches the diner's node; the live part shows it
        live = await pair.page.get(f"{where}/live")
        if "Confirmed" in live.text:
            break
        await asyncio.sleep(0.02)
    assert "Confirmed" in live.text and "<html" not in live.text


async def merchant(pair: Pair) -> httpx.AsyncClient:
    """The shop's pages, signed in as the bootstrap admin (the node's admin token)."""
    transport = httpx.ASGITransport(app=pair.shop.app, client=LOOPBACK)  # type: ignore[arg-type]
    client = httpx.AsyncClient(transport=transport, base_url="http://shop.test", cookies={"duijie_lang": "en"})
    login = await client.get("/merchant/login")
    signed = await client.post("/merchant/login", data={
        "csrf_token": form_token(login.text), "name": "admin",
        "password": read_admin_token(pair.net.root / "shop")})
    assert signed.status_code == 303, signed.text
    return client


async def test_merchant_pages_need_a_session(pair: Pair) -> None:
    transport = httpx.ASGITransport(app=pair.shop.app, client=LOOPBACK)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as anonymous:
        for path in ("/merchant/bookings", "/merchant/applications"):
            r = await anonymous.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/merchant/login?next="), path


async def test_an_application_is_checked_sent_and_moved_by_the_employer(pair: Pair) -> None:
    posting = await pair.page.get("/jobs/chuanshan/cashier")
    assert posting.status_code == 200 and "<title>Cashier" in posting.text
    assert 'href="tel:+12026363588"' in posting.text and "Fluent English" in posting.text
    pair.net.transport.sent.clear()
    bad = await pair.page.post("/jobs/chuanshan/cashier", data={
        "csrf_token": form_token(posting.text), "name": "", "resume_url": "ftp://x"})
    assert bad.status_code == 400
    assert "Give a phone number or an email address." in bad.text  # beside the phone field
    for field in ("name", "phone", "resume_url"):
        assert f'id="e-{field}"' in bad.text, field
    assert not [u for u, _ in pair.net.transport.sent if "/beckn/" in u]

    sent = await pair.page.post("/jobs/chuanshan/cashier", data={
        "csrf_token": form_token(posting.text), "name": "李明 Li Ming", "phone": "+1-202-555-0142",
        "languages": "en, zh", "experience": "3 years as a cashier"})
    assert sent.status_code == 303, sent.text
    where = sent.headers["location"]
    assert where.startswith("/applications/") and "Received" in (await pair.page.get(where)).text

    shop = await merchant(pair)
    listed = await shop.get("/merchant/applications")
    assert "李明 Li Ming" in listed.text and "Cashier" in listed.text
    assert '<a href="tel:+12025550142">(202) 555-0142</a>' in listed.text  # national format, E.164 link
    assert "<dd>English and Chinese</dd>" in listed.text  # "en, zh" by name
    app_id = where.rsplit("/", 1)[1]
    moved = await shop.post(f"/merchant/applications/{app_id}/move",
                            data={"csrf_token": form_token(listed.text), "stage": "INTERVIEW"})
    assert moved.status_code == 303
    back = await shop.post(f"/merchant/applications/{app_id}/move",
                           data={"csrf_token": form_token(listed.text), "stage": "SCREENING"})
    assert back.status_code == 409 and "only moves forward" in back.text
    for _ in range(100):
        live = await pair.page.get(f"{where}/live")
        if "Interview" in live.text:
            break
        await asyncio.sleep(0.02)
    assert "Interview" in live.text
    await shop.aclose()


async def test_the_merchant_approves_and_blocks_on_the_day_calendar(pair: Pair) -> None:
    catalog = pair.shop.services.catalog
    catalog.save_listing(with_approval(catalog.listing("chuanshan").listing, "diaoyutai", "manual"))
    day = friday(5).isoformat()
    room = await pair.page.get("/book/chuanshan/diaoyutai", params={"party": 30, "date": day})
    slot = re.search(r'value="([^"|]+T18:00:00-05:00\|[^"]+)"', room.text)
    assert slot
    booked = await pair.page.post("/book/chuanshan/diaoyutai", data={
        "csrf_token": form_token(room.text), "party": "30", "date": day, "slot": slot.group(1), "name": "张伟",
        "phone": "+1-202-555-0199"})
    where = booked.headers["location"]
    booking_id = where.rsplit("/", 1)[1]

    shop = await merchant(pair)
    calendar = await shop.get("/merchant/bookings", params={"day": day})
    assert calendar.status_code == 200
    cell = re.search(rf'<td rowspan="(\d+)" class="booking pending" data-booking="{booking_id}"', calendar.text)
    assert cell and cell.group(1) == "6"  # 18:00-21:00 spans six half hours
    assert "张伟" in calendar.text and "Approve" in calendar.text
    pending = calendar.text.split('id="h-pending"', 1)[1].split("</section>", 1)[0]
    assert "张伟" in pending and f"day={day}" in pending  # requests of every day wait at the top
    token = form_token(calendar.text)
    approved = await shop.post(f"/merchant/bookings/{booking_id}/accept",
                               data={"csrf_token": token, "day": day, "provider": "chuanshan"})
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/merchant/bookings?day={day}&provider=chuanshan"
    live = await shop.get("/merchant/bookings/live", params={"day": day})
    assert 'data-state="CONFIRMED"' in live.text and "<html" not in live.text

    early = re.search(r'value="([^"|]+T11:00:00-05:00\|[^"]+)"', room.text)
    assert early
    second = await pair.page.post("/book/chuanshan/diaoyutai", data={
        "csrf_token": form_token(room.text), "party": "30", "date": day, "slot": early.group(1), "name": "赵六"})
    second_id = second.headers["location"].rsplit("/", 1)[1]
    ask = await shop.get(f"/merchant/bookings/{second_id}/decline", params={"day": day, "provider": "chuanshan"})
    assert ask.status_code == 200 and "赵六" in ask.text and 'id="f-reason"' in ask.text
    declined = await shop.post(f"/merchant/bookings/{second_id}/decline", data={
        "csrf_token": token, "day": day, "provider": "chuanshan", "reason": "包厢装修"})
    assert declined.status_code == 303
    assert "Declined and cancelled" in (await shop.get("/merchant/bookings/live", params={"day": day})).text
    for _ in range(100):
        if "Declined" in (await pair.page.get(f"/bookings/{second_id}/live")).text:
            break
        await asyncio.sleep(0.02)
    assert "Declined" in (await pair.page.get(f"/bookings/{second_id}/live")).text

    over = await shop.post("/merchant/bookings/block", data={
        "csrf_token": token, "provider": "chuanshan", "day": day, "room": "diaoyutai", "start": "19:00",
        "end": "20:00"})
    assert over.status_code == 400 and 'id="e-start"' in over.text
    blocked = await shop.post("/merchant/bookings/block", data={
        "csrf_token": token, "provider": "chuanshan", "day": day, "room": "ktv", "start": "12:00",
        "end": "14:00", "reason": "维修"})
    assert blocked.status_code == 303
    calendar = await shop.get("/merchant/bookings", params={"day": day})
    block_id = re.search(r'<td rowspan="4" class="block" data-block="([^"]+)"', calendar.text)
    assert block_id and "维修" in calendar.text
    removed = await shop.post(f"/merchant/bookings/blocks/{block_id.group(1)}/remove",
                              data={"csrf_token": token, "day": day, "provider": "chuanshan"})
    assert removed.status_code == 303
    assert 'class="block"' not in (await shop.get("/merchant/bookings/live", params={"day": day})).text
    switched = await shop.post("/merchant/bookings/approval", data={
        "csrf_token": token, "provider": "chuanshan", "day": day, "room": "ktv", "approval": "manual"})
    assert switched.status_code == 303
    assert pair.shop.services.catalog.listing("chuanshan").listing.resource("ktv").approval.value == "manual"
    wrong = await shop.post("/merchant/bookings/approval", data={
        "csrf_token": token, "provider": "chuanshan", "day": day, "room": "ktv", "approval": "sometimes"})
    assert wrong.status_code == 400 and "how it confirms requests" in wrong.text
    for _ in range(100):
        if "Confirmed" in (await pair.page.get(f"{where}/live")).text:
            break
        await asyncio.sleep(0.02)
    assert "Confirmed" in (await pair.page.get(f"{where}/live")).text
    await shop.aclose()


async def test_a_full_day_says_so_and_offers_the_waitlist_at_a_chosen_time(pair: Pair) -> None:
    day = friday(6)
    assert pair.shop.services.reservations is not None
    tz = ZoneInfo("America/New_York")
    await pair.shop.services.reservations.desk.block(
        "chuanshan", "ktv", datetime.combine(day, time(0), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz), "private event")
    room = await pair.page.get("/book/chuanshan/ktv", params={"party": 8, "date": day.isoformat()})
    assert "is fully booked for 8 guests" in room.text and 'name="slot"' not in room.text
    assert 'id="f-time" name="time" type="time"' in room.text
    waiting = await pair.page.post("/book/chuanshan/ktv", data={
        "csrf_token": form_token(room.text), "waitlist": "1", "party": "8", "date": day.isoformat(), "time": "19:00",
        "name": "韩梅梅"})
    assert waiting.status_code == 202, waiting.text
    assert "number 1 on the waitlist" in waiting.text


async def test_a_waitlist_offer_is_held_for_the_diner_who_takes_it_on_the_page(pair: Pair) -> None:
    day = friday(7).isoformat()
    room = await pair.page.get("/book/chuanshan/ktv", params={"party": 6, "date": day})
    slot = re.search(r'name="slot" value="([^"]+)"', room.text)
    assert slot
    form = {"csrf_token": form_token(room.text), "party": "6", "date": day, "slot": slot.group(1), "name": "王芳"}
    first = (await pair.page.post("/book/chuanshan/ktv", data=form)).headers["location"]
    waiting = await pair.page.post("/book/chuanshan/ktv", data={**form, "name": "李雷", "waitlist": "1"})
    assert waiting.status_code == 202
    await pair.page.post(f"{first}/cancel", data={"csrf_token": form["csrf_token"]})
    buyer = pair.diner.services.buyer
    assert buyer is not None
    held = []
    for _ in range(200):  # the freed slot is offered to the waiting guest by an unsolicited on_status
        held = [p for p in buyer.purchases() if p["fulfillment_state"] == "HELD"]
        if held:
            break
        await asyncio.sleep(0.02)
    assert len(held) == 1
    page = await pair.page.get(f"/bookings/{held[0]['order_id']}")
    assert "Held for you" in page.text and "Take the slot" in page.text
    taken = await pair.page.post(f"/bookings/{held[0]['order_id']}/take", data={"csrf_token": form["csrf_token"]})
    assert taken.status_code == 303
    assert "Confirmed" in (await pair.page.get(f"/bookings/{held[0]['order_id']}")).text
