"""The outbox sender against the in-memory outbox: it needs only the port's own methods (``due``
leaving out what is in flight, ``mark_many``), no probe for a SQL adapter's extras."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from tests.unit.services.fakes import FakeListings, FakeUnitOfWork, FakeUnitOfWorkFactory

from duijie.services.outbox import OutboxSender
from duijie.services.ports import DetachedSignature, OutboxState, TransportResponse

NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


class _Clock:
    def now(self) -> datetime:
        return NOW


class _Signer:
    def headers_for(self, body: bytes, now: datetime) -> dict[str, str]:
        return {"Authorization": "signed"}

    def sign_detached(self, data: bytes, now: datetime) -> DetachedSignature:
        raise AssertionError("the sender signs headers only")


class _Peers:
    """ACKs one URL, refuses another for good (HTTP 400 with a Beckn NACK), is down for a third."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        self.sent.append((url, headers["Authorization"]))
        if url.endswith("/ok"):
            return TransportResponse(200, b'{"message":{"ack":{"status":"ACK"}}}')
        if url.endswith("/no"):
            return TransportResponse(400, b'{"message":{"ack":{"status":"NACK"}},"error":{"code":"10001"}}')
        raise ConnectionError("peer down")


def test_each_outcome_is_recorded_through_the_port() -> None:
    uow = FakeUnitOfWork(FakeListings())
    later = NOW + timedelta(hours=1)
    for url in ("http://a/ok", "http://b/no", "http://c/down"):
        uow.outbox.add(url, "on_confirm", b"{}", NOW, later)
    peers = _Peers()
    sender = OutboxSender(FakeUnitOfWorkFactory(uow), peers, _Signer(), _Clock())

    assert asyncio.run(sender.deliver_due()) == 3

    assert sorted(peers.sent) == [("http://a/ok", "signed"), ("http://b/no", "signed"), ("http://c/down", "signed")]
    states = {m.url: m.state for m in uow.outbox.rows}
    assert states == {"http://a/ok": OutboxState.SENT, "http://b/no": OutboxState.REFUSED,
                      "http://c/down": OutboxState.PENDING}
    down = uow.outbox.rows[2]
    assert down.attempts == 1 and down.next_attempt_at > NOW and "ConnectionError" in (down.last_error or "")
    assert uow.outbox.due(NOW, 10) == []  # the retry waits for its backoff
    assert uow.outbox.count_unsent() == {"pending": 1, "refused": 1, "expired": 0}


def test_due_leaves_out_what_is_in_flight() -> None:
    uow = FakeUnitOfWork(FakeListings())
    ids = [uow.outbox.add(f"http://p{i}/ok", "on_select", b"{}", NOW, NOW + timedelta(hours=1)) for i in range(3)]
    assert [m.id for m in uow.outbox.due(NOW, 2, exclude={ids[0]})] == ids[1:]
