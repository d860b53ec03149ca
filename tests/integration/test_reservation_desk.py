"""The merchant's reservations, availability and the waitlist over real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import Engine

from duijie.domain.listing import Listing
from duijie.domain.reservation_rules import ReservationError, ReservationRule, Slot
from duijie.domain.reservations import Booking, BookingState, Guest
from duijie.domain.resources import ApprovalMode
from duijie.interchange.listing_json import listing_from_document, listing_to_document
from duijie.services.errors import Conflict, NotFound, ServiceError
from duijie.services.trade.catalog import compact_document, listing_digest
from duijie.services.trade.order_callbacks import SellerNode
from duijie.services.trade.reservation.merchant import ReservationServices, beckn_order_of, with_approval
from duijie.services.trade.reservation.ports import WaitState
from duijie.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

NY = ZoneInfo("America/New_York")
NODE = SellerNode("shop.example", "http://shop.example/beckn")


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 25, 17, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def _listing() -> Listing:
    text = resources.files("duijie.demo").joinpath("data", "chuanshan.json").read_text(encoding="utf-8")
    listing = listing_from_document(json.loads(text))
    manual = tuple(replace(r, approval=ApprovalMode.MANUAL) if r.id == "banquet-hall" else r
                   for r in listing.resources)
    return replace(listing, resources=manual)


def _friday(start: int, end: int) -> Slot:
    return Slot(datetime(2026, 12, 4, start, tzinfo=NY), datetime(2026, 12, 4, end, tzinfo=NY))


def _context(bap: str, tx: str) -> dict[str, str]:
    return {"domain": "nic2004:55204", "action": "confirm", "version": "1.1.0", "bap_id": bap,
            "bap_uri": f"http://{bap}/beckn", "transaction_id": tx, "message_id": f"m-{tx}",
            "timestamp": "2026-11-25T17:00:00.000Z", "bpp_id": NODE.subscriber_id, "bpp_uri": NODE.subscriber_url}


@pytest.fixture
def world(engine: Engine) -> tuple[SqlUnitOfWorkFactory, Clock, ReservationServices, Listing]:
    clock = Clock()
    listing = _listing()
    doc = listing_to_document(listing)
    with SqlUnitOfWork(engine) as uow:
        uow.listings.put(listing, compact_document(doc), listing_digest(doc), clock.now())
        uow.commit()
    factory = SqlUnitOfWorkFactory(engine, inline=True)
    return factory, clock, ReservationServices.build(factory, clock, NODE, beckn_order_of, b"secret"), listing


def _book(factory: SqlUnitOfWorkFactory, listing: Listing, resource_id: str, slot: Slot, bap: str, tx: str,
          now: datetime, party: int = 40) -> Booking:
    resource = listing.resource(resource_id)
    booking = Booking.request(f"bk-{tx}", listing.id, resource, party, slot, bap, tx, Guest("王芳", "+1-202-555-0100"),
                              now)
    with factory() as uow:
        assert uow.bookings.add(booking, f"http://{bap}/beckn", _context(bap, tx), resource.buffer_minutes)
        uow.commit()
    return booking


def _outbox(factory: SqlUnitOfWorkFactory, now: datetime) -> list[tuple[str, dict[str, object]]]:
    with factory(read_only=True) as uow:
        return [(m.url, orjson.loads(m.body)) for m in uow.outbox.due(now + timedelta(days=1), 100)]


def test_availability_leaves_out_a_booked_slot_and_says_why_a_party_does_not_fit(world) -> None:  # type: ignore[no-untyped-def]
    factory, clock, r, listing = world
    before = asyncio.run(r.availability.day("chuanshan", "2026-12-04", 40, "diaoyutai"))
    starts = [s["start"] for s in before["locations"][0]["resources"][0]["slots"]]
    assert "2026-12-04T18:00:00-05:00" in starts and "2026-12-04T11:00:00-05:00" in starts
    assert "2026-12-04T21:00:00-05:00" not in starts  # three hours from 21:00 end after the 23:00 closing
    _book(factory, listing, "diaoyutai", _friday(18, 21), "diner.example", "tx-1", clock.now())
    after = asyncio.run(r.availability.day("chuanshan", "2026-12-04", 40, "diaoyutai"))
    slots = after["locations"][0]["resources"][0]["slots"]
    assert all(not (s["start"] < "2026-12-04T21:00:00-05:00" and s["end"] > "2026-12-04T18:00:00-05:00")
               for s in slots)
    assert "2026-12-04T15:00:00-05:00" in [s["start"] for s in slots]
    too_many = asyncio.run(r.availability.day("chuanshan", "2026-12-04", 61))
    room = next(x for x in too_many["locations"][0]["resources"] if x["id"] == "diaoyutai")
    assert room["slots"] == [] and "60" in room["unfit"] and room["rule"] == "party_above_capacity"


def test_a_block_makes_its_period_unavailable_and_is_refused_over_an_active_booking(world) -> None:  # type: ignore[no-untyped-def]
    factory, clock, r, listing = world
    block = asyncio.run(r.desk.block("chuanshan", "ktv", datetime(2026, 12, 5, 11, tzinfo=NY),
                                     datetime(2026, 12, 5, 23, tzinfo=NY), "maintenance"))
    day = asyncio.run(r.availability.day("chuanshan", "2026-12-05", 6, "ktv"))
    assert day["locations"][0]["resources"][0]["slots"] == []
    view = asyncio.run(r.desk.day("chuanshan", "2026-12-05", "ktv"))
    assert [b["reason"] for b in view["locations"][0]["resources"][0]["blocks"]] == ["maintenance"]
    asyncio.run(r.desk.unblock(block["id"]))
    assert asyncio.run(r.availability.day("chuanshan", "2026-12-05", 6, "ktv"))["locations"][0]["resources"][0]["slots"]
    _book(factory, listing, "diaoyutai", _friday(18, 21), "diner.example", "tx-1", clock.now())
    with pytest.raises(Conflict, match="bk-tx-1"):
        asyncio.run(r.desk.block("chuanshan", "diaoyutai", datetime(2026, 12, 4, 20, tzinfo=NY),
                                 datetime(2026, 12, 4, 23, tzinfo=NY), "private event"))


def test_the_merchant_accepts_a_banquet_waiting_for_approval_and_the_guest_is_told(world) -> None:  # type: ignore[no-untyped-def]
    factory, clock, r, listing = world
    booking = _book(factory, listing, "banquet-hall", _friday(17, 21), "diner.example", "tx-b", clock.now(), 120)
    assert booking.state is BookingState.PENDING_APPROVAL
    assert [b["id"] for b in asyncio.run(r.desk.list_bookings("pending_approval"))] == [booking.id]
    accepted = asyncio.run(r.desk.accept(booking.id))
    assert accepted["state"] == "CONFIRMED" and accepted["local"]["start"] == "2026-12-04T17:00:00-05:00"
    [(url, body)] = _outbox(factory, clock.now())
    assert url == "http://diner.example/beckn/on_status"
    order = body["message"]["order"]  # type: ignore[index]
    assert order["id"] == booking.id and order["fulfillments"][0]["state"]["descriptor"]["code"] == "CONFIRMED"
    with pytest.raises(Conflict, match="pending"):
        asyncio.run(r.desk.accept(booking.id))
    with pytest.raises(Conflict, match="starts at"):
        asyncio.run(r.desk.no_show(booking.id))
    clock.at = datetime(2026, 12, 4, 22, 30, tzinfo=UTC)
    assert asyncio.run(r.desk.complete(booking.id))["state"] == "COMPLETED"


def test_a_freed_slot_is_held_for_the_first_waiting_guest_then_passes_on(world) -> None:  # type: ignore[no-untyped-def]
    factory, clock, r, listing = world
    slot = _friday(17, 21)
    booking = _book(factory, listing, "banquet-hall", slot, "diner.example", "tx-b", clock.now(), 120)
    waitlist = r.desk.waitlist
    with factory() as uow:
        with pytest.raises(ReservationError) as free:
            waitlist.join(uow, listing, "banquet-hall", 100, _friday(11, 15), Guest("李"), _context("a.example", "w0"),
                          clock.now())
        assert free.value.rule is ReservationRule.ILLEGAL_TRANSITION
        with pytest.raises(ReservationError) as big:
            waitlist.join(uow, listing, "banquet-hall", 400, slot, Guest("李"), _context("a.example", "w0"),
                          clock.now())
        assert big.value.rule is ReservationRule.PARTY_ABOVE_CAPACITY
        first, one = waitlist.join(uow, listing, "banquet-hall", 100, slot, Guest("李"), _context("a.example", "w1"),
                                   clock.now())
        second, two = waitlist.join(uow, listing, "banquet-hall", 80, slot, Guest("赵"), _context("b.example", "w2"),
                                    clock.now())
        again, still_one = waitlist.join(uow, listing, "banquet-hall", 100, slot, Guest("李"),
                                         _context("a.example", "w1"), clock.now())
        uow.commit()
    assert (one, two, still_one, again.id) == (1, 2, 1, first.id)
    asyncio.run(r.desk.decline(booking.id, "the hall is being repainted"))
    with factory(read_only=True) as uow:
        offered = uow.waitlist.get(first.id)
        assert offered is not None and offered.state is WaitState.OFFERED
        assert offered.offered_until == clock.now() + timedelta(minutes=30)
        held = uow.bookings.get(offered.booking_id or "")
        assert held is not None and held.booking.state is BookingState.HELD and held.booking.bap_id == "a.example"
        assert held.booking.transaction_id == "w1"
        assert uow.waitlist.get(second.id).state is WaitState.WAITING  # type: ignore[union-attr]
    sent = {url: body for url, body in _outbox(factory, clock.now())}
    tags = sent["http://a.example/beckn/on_status"]["message"]["order"]["tags"]  # type: ignore[index]
    assert {"descriptor": {"code": "state"}, "value": "OFFERED"} in tags[-1]["list"]
    assert sent["http://diner.example/beckn/on_status"]["message"]["order"]["status"] == "CANCELLED"  # type: ignore[index]
    clock.at += timedelta(minutes=31)
    assert r.keeper.run_once() == 1
    with factory(read_only=True) as uow:
        assert uow.waitlist.get(first.id).state is WaitState.EXPIRED  # type: ignore[union-attr]
        assert uow.bookings.get(offered.booking_id or "").booking.state is BookingState.CANCELLED  # type: ignore[union-attr]
        passed = uow.waitlist.get(second.id)
        assert passed is not None and passed.state is WaitState.OFFERED
        assert uow.bookings.get(passed.booking_id or "").booking.bap_id == "b.example"  # type: ignore[union-attr]


def test_the_merchant_switches_one_resource_to_manual_approval_and_a_bad_mode_is_named() -> None:
    listing = _listing()
    switched = with_approval(listing, "ktv", "MANUAL")
    assert switched.resource("ktv").approval is ApprovalMode.MANUAL
    assert switched.resource("diaoyutai").approval is listing.resource("diaoyutai").approval
    with pytest.raises(ServiceError, match="instant or manual") as bad:
        with_approval(listing, "ktv", "sometimes")
    assert bad.value.field == "approval"
    with pytest.raises(NotFound):
        with_approval(listing, "sauna", "manual")
