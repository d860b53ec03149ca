"""The merchant in control of its rooms, between real node processes (issue 13, Reservations 3-6).

The restaurant imports the 川陕名吃 listing and sets its banquet hall to manual approval; two
guests' nodes book through the command line (`duijie book ...`), the merchant answers through
`duijie bookings ...`, and what each side sees is read back from its own node.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.processes import ServerProcess, duijie, free_port

NY = ZoneInfo("America/New_York")


@dataclass
class Restaurant:
    shop: ServerProcess
    guests: dict[str, ServerProcess]

    @property
    def bpp(self) -> str:
        return f"{self.shop.base}/beckn"

    def run(self, node: ServerProcess, *args: str, ok: bool = True) -> Any:
        res = duijie(*args, "--data-dir", str(node.data_dir), "--json", timeout=120)
        if not ok:
            assert res.returncode != 0, res.stdout
            return res.stderr + res.stdout
        assert res.returncode == 0, f"duijie {args} failed:\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def plain(self, node: ServerProcess, *args: str) -> str:
        res = duijie(*args, "--data-dir", str(node.data_dir), timeout=120)
        assert res.returncode == 0, f"duijie {args} failed:\n{res.stdout}\n{res.stderr}"
        return res.stdout

    def book(self, guest: str, resource: str, party: int, start: datetime, end: datetime, *extra: str,
             ok: bool = True) -> Any:
        return self.run(self.guests[guest], "book", "request", "--bpp", self.bpp, "--provider", "chuanshan",
                        "--resource", resource, "--party", str(party), "--start", start.isoformat(),
                        "--end", end.isoformat(), "--name", f"{guest} 王", "--phone", "+1-202-555-0100", *extra, ok=ok)

    def purchase(self, guest: str, order_id: str) -> dict[str, Any]:
        node = self.guests[guest]
        token = (node.data_dir / "admin-token").read_text().strip()
        resp = httpx.get(f"{node.base}/api/buy/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        return dict(resp.json())


def _until(check: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _friday(weeks_ahead: int) -> date:
    """A Friday at least ``weeks_ahead`` weeks and a day from today (past the banquet hall's 7-day lead time)."""
    day = datetime.now(NY).date() + timedelta(days=7 * weeks_ahead + 1)
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NY)


@pytest.fixture(scope="module")
def restaurant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restaurant]:
    root = tmp_path_factory.mktemp("bookings")
    ports = {"shop": free_port(), "ana": free_port(), "bo": free_port()}
    for name, port in ports.items():
        duijie("init", "--data-dir", str(root / name), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "shop"), check=True)

    def registries(*names: str) -> list[str]:
        return [a for n in names for a in ("--registry", f"http://127.0.0.1:{ports[n]}/registry")]

    shop = ServerProcess(root / "shop", ports["shop"], registries("ana", "bo"))
    guests = {n: ServerProcess(root / n, ports[n], registries("shop")) for n in ("ana", "bo")}
    try:
        shop.start(timeout=120)
        for guest in guests.values():
            guest.start(timeout=120)
        # The merchant takes the banquet hall under manual approval (the demo listing confirms at once).
        switched = duijie("bookings", "approval", "banquet-hall", "manual", "--provider", "chuanshan",
                          "--data-dir", str(root / "shop"), check=True)
        assert "after your approval" in switched.stdout
        yield Restaurant(shop, guests)
    finally:
        for node in (*guests.values(), shop):
            node.stop()


def test_a_banquet_waits_for_the_merchant_who_accepts_and_the_guest_sees_it_confirmed(restaurant: Restaurant) -> None:
    day = _friday(2)
    booked = restaurant.book("ana", "banquet-hall", 120, _at(day, 17), _at(day, 21), "--requests", "a birthday cake")
    order_id = booked["order_id"]
    assert booked["fulfillment_state"] == "PENDING_APPROVAL"
    waiting = restaurant.run(restaurant.shop, "bookings", "list", "--state", "pending_approval")
    assert [b["id"] for b in waiting] == [order_id]
    assert waiting[0]["guest"]["requests"] == "a birthday cake" and waiting[0]["party_size"] == 120
    accepted = restaurant.run(restaurant.shop, "bookings", "accept", order_id)
    assert accepted["state"] == "CONFIRMED" and accepted["local"]["start"] == _at(day, 17).isoformat()
    seen = _until(lambda: (p := restaurant.purchase("ana", order_id))["fulfillment_state"] == "CONFIRMED" and p,
                  "the guest's node to hear the banquet was accepted")
    assert seen["status"] == "ACTIVE"
    again = restaurant.run(restaurant.shop, "bookings", "accept", order_id, ok=False)
    assert "pending" in again and "Traceback" not in again

    # The guest's calendar file parses back with the slot in New York time.
    ics = Path(restaurant.guests["ana"].data_dir) / "banquet.ics"
    restaurant.plain(restaurant.guests["ana"], "book", "ics", order_id, "-o", str(ics))
    [event] = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart").astimezone(NY) == _at(day, 17)
    assert event.decoded("dtend").astimezone(NY) == _at(day, 21)
    # The merchant's copy names the zone itself, and the resource's feed (its own token) lists the booking.
    merchant_ics = restaurant.plain(restaurant.shop, "bookings", "ics", order_id)
    [mine] = icalendar.Calendar.from_ical(merchant_ics).walk("VEVENT")
    assert mine.decoded("dtstart") == _at(day, 17) and str(mine["dtstart"].params["TZID"]) == "America/New_York"
    url = restaurant.plain(restaurant.shop, "bookings", "feed", "banquet-hall", "--provider", "chuanshan").strip()
    feed = httpx.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    uids = [str(e["uid"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")]
    assert any(uid.startswith(order_id) for uid in uids)
    assert httpx.get(url.replace("token=", "token=0")).status_code == 404


def test_a_cancellation_tells_the_first_guest_on_the_waitlist(restaurant: Restaurant) -> None:
    day = _friday(3)
    first = restaurant.book("ana", "diaoyutai", 40, _at(day, 18), _at(day, 21))
    assert first["fulfillment_state"] == "CONFIRMED"
    refused = restaurant.book("bo", "diaoyutai", 30, _at(day, 18), _at(day, 21), ok=False)
    assert "already booked" in refused and "slot_taken" in refused
    joined = restaurant.book("bo", "diaoyutai", 30, _at(day, 18), _at(day, 21), "--waitlist")
    assert joined["waitlist"]["state"] == "WAITING" and joined["waitlist"]["position"] == "1"
    restaurant.run(restaurant.guests["ana"], "book", "cancel", first["order_id"], "--reason", "plans changed")

    def offer() -> dict[str, Any] | None:
        mine = restaurant.run(restaurant.guests["bo"], "buy", "orders")["orders"]
        return next((o for o in mine if o["fulfillment_state"] == "HELD"), None)

    held = _until(offer, "the waiting guest's node to be offered the freed slot")
    purchase = restaurant.purchase("bo", held["order_id"])
    tags = {t["descriptor"]["code"]: t["value"] for g in purchase["order"]["tags"] if g["descriptor"]["code"] ==
            "waitlist" for t in g["list"]}
    assert tags["state"] == "OFFERED" and datetime.fromisoformat(tags["hold_until"]) > datetime.now(NY)
    span = purchase["order"]["fulfillments"][0]["stops"][0]["time"]["range"]
    assert datetime.fromisoformat(span["start"].replace("Z", "+00:00")) == _at(day, 18)
    listed = restaurant.run(restaurant.shop, "bookings", "show", held["order_id"])
    assert listed["state"] == "HELD" and listed["bap_id"] == f"127.0.0.1:{restaurant.guests['bo'].port}"
    # The waiting guest takes the held slot in time; it is then theirs, and nobody else's.
    taken = restaurant.run(restaurant.guests["bo"], "book", "take", held["order_id"])
    assert taken["fulfillment_state"] == "CONFIRMED"
    assert restaurant.run(restaurant.shop, "bookings", "show", held["order_id"])["state"] == "CONFIRMED"
    again = restaurant.book("ana", "diaoyutai", 40, _at(day, 18), _at(day, 21), ok=False)
    assert "already booked" in again


def test_a_block_makes_a_slot_unavailable(restaurant: Restaurant) -> None:
    day = _friday(4)
    free = restaurant.run(restaurant.guests["bo"], "book", "availability", "chuanshan", "--bpp", restaurant.bpp,
                          "--date", day.isoformat(), "--party", "6", "--resource", "ktv")
    starts = [s["start"] for s in free["locations"][0]["resources"][0]["slots"]]
    assert _at(day, 19).isoformat() in starts
    block = restaurant.run(restaurant.shop, "bookings", "block", "ktv", "--provider", "chuanshan",
                           "--start", _at(day, 18).isoformat(), "--end", _at(day, 23).isoformat(),
                           "--reason", "private event")
    assert block["reason"] == "private event"
    after = restaurant.run(restaurant.guests["bo"], "book", "availability", "chuanshan", "--bpp", restaurant.bpp,
                           "--date", day.isoformat(), "--party", "6", "--resource", "ktv")
    assert all(s["end"] <= _at(day, 18).isoformat() for s in after["locations"][0]["resources"][0]["slots"])
    refused = restaurant.book("bo", "ktv", 6, _at(day, 19), _at(day, 21), ok=False)
    assert "blocked" in refused and "private event" in refused
    view = restaurant.plain(restaurant.shop, "bookings", "list", "--day", day.isoformat(), "--resource", "ktv")
    assert "BLOCKED" in view and "private event" in view
