"""Book the restaurant's rooms between real processes (issue 13, Reservations): a restaurant node and
two outside signed Beckn apps (not duijie nodes) that post raw messages, each validated against
transaction.yaml. 钓鱼台 for 40 on a Friday 18:00-21:00 comes back with a receipt `duijie verify`
accepts; the same slot is refused to the second guest; each bad input of issue 13 is an error
callback naming the rule, with nothing changed; the second guest books the KTV room; nobody but the
guest may cancel a booking."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.e2e.conftest import DEMO_DATA
from tests.support.beckn_spec import spec_available, validate_message
from tests.support.networks import OutsideBap
from tests.support.processes import ServerProcess, duijie, free_port

from duijie.protocol.context import Action, Context, format_timestamp
from duijie.protocol.outbound import build_signed_request
from duijie.protocol.receipts import receipt_from_tags
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.uow import SqlUnitOfWorkFactory

NY = ZoneInfo("America/New_York")


def next_weekday(weekday: int, at_least_days: int = 3) -> date:
    day = datetime.now(NY).date() + timedelta(days=at_least_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def rfc(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY).isoformat()


FRIDAY = next_weekday(4)
SATURDAY, SUNDAY = FRIDAY + timedelta(days=1), FRIDAY + timedelta(days=2)


def order(resource: str, party: int, start: str, end: str, **extra: Any) -> dict[str, Any]:
    fulfillment: dict[str, Any] = {"type": "RESERVATION", "stops": [{"type": "START", "time": {"range": {
        "start": start, "end": end}}}]}
    if "customer" in extra:
        fulfillment["customer"] = extra.pop("customer")
    return {"provider": {"id": "chuanshan"}, "items": [{"id": resource, "quantity": {"selected": {"count": party}}}],
            "fulfillments": [fulfillment], **extra}


@dataclass
class Rooms:
    restaurant: ServerProcess
    guest: OutsideBap
    second: OutsideBap

    @property
    def bpp(self) -> str:
        return f"{self.restaurant.base}/beckn"

    def send(self, app: OutsideBap, action: str, message: dict[str, Any], tx: str | None = None,
             *, well_formed: bool = True) -> dict[str, Any]:
        """A signed request from ``app``; returns its one callback (validated against transaction.yaml, as is
        the request unless it is deliberately not ``well_formed``)."""
        ctx = Context(domain="nic2004:55204", action=Action(action), bap_id=app.subscriber_id,
                      bap_uri=f"{app.base}/beckn", transaction_id=tx or str(uuid.uuid4()),
                      message_id=str(uuid.uuid4()), timestamp=format_timestamp(datetime.now(UTC)), ttl="PT30S",
                      bpp_id=f"127.0.0.1:{self.restaurant.port}", bpp_uri=self.bpp)
        doc = {"context": ctx.to_dict(), "message": message}
        if spec_available() and well_formed:
            assert validate_message(action, doc) == [], action
        body, headers = build_signed_request(doc, app.keys, datetime.now(UTC), ttl_seconds=30)
        resp = httpx.post(f"{self.bpp}/{action}", content=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        got = app.wait_for(ctx.message_id, 1, action=f"on_{action}")
        assert len(got) == 1, f"no on_{action}"
        answer = got[0].doc
        if spec_available():
            assert validate_message(f"on_{action}", answer) == [], (action, json.dumps(answer)[:1500])
        return answer

    def book(self, app: OutsideBap, resource: str, party: int, start: str, end: str,
             *, well_formed: bool = True) -> dict[str, Any]:
        """select → init → confirm in one transaction; returns the on_confirm (or the first error callback)."""
        tx = str(uuid.uuid4())
        selected = self.send(app, "select", {"order": order(resource, party, start, end)}, tx,
                             well_formed=well_formed)
        if "error" in selected:
            return selected
        guest = {"person": {"name": "王芳"}, "contact": {"phone": "+1-202-555-0100"}}
        init = order(resource, party, start, end, customer=guest, billing={"name": "王芳", "phone": "+1-202-555-0100"})
        terms = self.send(app, "init", {"order": init}, tx)
        if "error" in terms:
            return terms
        agreed = {**init, **{k: terms["message"]["order"][k] for k in ("quote", "payments", "cancellation_terms")}}
        return self.send(app, "confirm", {"order": agreed}, tx)

    def bookings(self) -> list[tuple[str, str]]:
        """(id, state) of every booking in the restaurant's database."""
        engine = make_engine(sqlite_url(self.restaurant.data_dir))
        try:
            with SqlUnitOfWorkFactory(engine)(read_only=True) as uow:
                return sorted((s.booking.id, s.booking.state.value) for s in uow.bookings.list())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def rooms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rooms]:
    root = tmp_path_factory.mktemp("rooms")
    port = free_port()
    duijie("init", "--data-dir", str(root / "restaurant"), "--url", f"http://127.0.0.1:{port}/beckn", check=True)
    duijie("provider", "import", str(DEMO_DATA / "chuanshan.json"), "--data-dir", str(root / "restaurant"), check=True)
    restaurant = ServerProcess(root / "restaurant", port)
    with OutsideBap.running() as guest, OutsideBap.running() as second:
        try:
            restaurant.start(timeout=120)
            yield Rooms(restaurant, guest, second)
        finally:
            restaurant.stop()


def test_diaoyutai_for_40_on_friday_evening_with_a_verifiable_receipt(rooms: Rooms, tmp_path: Path) -> None:
    confirmed = rooms.book(rooms.guest, "diaoyutai", 40, rfc(FRIDAY, 18), rfc(FRIDAY, 21))
    assert "error" not in confirmed, confirmed.get("error")
    booked = confirmed["message"]["order"]
    assert booked["status"] == "ACTIVE" and booked["fulfillments"][0]["state"]["descriptor"]["code"] == "CONFIRMED"
    window = booked["fulfillments"][0]["stops"][0]["time"]["range"]
    assert datetime.fromisoformat(window["start"].replace("Z", "+00:00")) == datetime.fromisoformat(rfc(FRIDAY, 18))
    receipt = receipt_from_tags(booked.get("tags"))
    assert receipt is not None and receipt["agreement"]["id"] == booked["id"]
    assert receipt["agreement"]["cancellation_terms"] and receipt["agreement"]["quote"]["price"]["value"] == "200.00"
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    checked = duijie("verify", str(path), "--registry", f"{rooms.restaurant.base}/registry")
    assert checked.returncode == 0, checked.stderr
    assert "agreement signed by seller" in checked.stdout

    # The same slot (overlapping it) for a second guest: refused, naming the rule; nothing written.
    before = rooms.bookings()
    taken = rooms.book(rooms.second, "diaoyutai", 20, rfc(FRIDAY, 19), rfc(FRIDAY, 22))
    assert taken["error"]["code"] == "30008" and "slot_taken" in taken["error"]["message"]
    assert rooms.bookings() == before

    # Nobody but the guest may cancel it.
    foreign = rooms.send(rooms.second, "cancel", {"order_id": booked["id"], "cancellation_reason_id": "001"})
    assert "not_the_guest" in foreign["error"]["message"]
    status = rooms.send(rooms.guest, "status", {"order_id": booked["id"]},
                        confirmed["context"]["transaction_id"])
    assert status["message"]["order"]["fulfillments"][0]["state"]["descriptor"]["code"] == "CONFIRMED"


@pytest.mark.parametrize(("resource", "party", "start", "end", "rule", "number"), [
    ("diaoyutai", 61, rfc(SATURDAY, 18), rfc(SATURDAY, 21), "party_above_capacity", "60"),
    ("diaoyutai", 5, rfc(SATURDAY, 18), rfc(SATURDAY, 21), "party_below_minimum", "10"),
    ("diaoyutai", 0, rfc(SATURDAY, 18), rfc(SATURDAY, 21), "party_size_invalid", "1"),
    ("diaoyutai", 20, rfc(SUNDAY, 21, 30), rfc(SUNDAY, 22, 30), "after_closing", "22:00"),
    ("diaoyutai", 20, rfc(SATURDAY, 10), rfc(SATURDAY, 13), "closed_at_start", "11:00"),
    ("banquet-hall", 100, rfc(datetime.now(NY).date() + timedelta(days=1), 12),
     rfc(datetime.now(NY).date() + timedelta(days=1), 16), "lead_time", "7 days"),
    ("diaoyutai", 20, rfc(date(2026, 1, 2), 18), rfc(date(2026, 1, 2), 21), "in_the_past", None),
    ("diaoyutai", 20, rfc(SATURDAY, 21), rfc(SATURDAY, 18), "end_before_start", None),
    ("diaoyutai", 20, "next Saturday at six", rfc(SATURDAY, 21), "malformed_time", None),
])
def test_each_bad_input_is_an_error_callback_naming_the_rule(rooms: Rooms, resource: str, party: int, start: str,
                                                             end: str, rule: str, number: str | None) -> None:
    before = rooms.bookings()
    answer = rooms.book(rooms.second, resource, party, start, end, well_formed=rule != "malformed_time")
    assert "error" in answer and f"rule: {rule}" in answer["error"]["message"], answer.get("error")
    assert number is None or number in answer["error"]["message"]
    assert rooms.bookings() == before


def test_the_outside_app_books_the_ktv_room(rooms: Rooms) -> None:
    confirmed = rooms.book(rooms.second, "ktv", 8, rfc(SATURDAY, 19), rfc(SATURDAY, 21))
    assert "error" not in confirmed, confirmed.get("error")
    booked = confirmed["message"]["order"]
    assert booked["items"][0]["id"] == "ktv" and booked["quote"]["price"]["value"] == "50.00"
    cancelled = rooms.send(rooms.second, "cancel", {"order_id": booked["id"], "cancellation_reason_id": "001"},
                           confirmed["context"]["transaction_id"])
    order_doc = cancelled["message"]["order"]
    assert order_doc["status"] == "CANCELLED"
    refund = {t["descriptor"]["code"]: t["value"] for g in order_doc["tags"] if g["descriptor"]["code"] == "refund"
              for t in g["list"]}
    assert refund == {"amount": "50.00", "currency": "USD"}  # cancelled more than 24 hours ahead
