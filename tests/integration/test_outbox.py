"""The outbox records what each peer answered: ACK → sent; NACK, 409, 401 (at last) → refused,
counted and logged; transient failures retried. On both backends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from duijie.services.outbox import (
    AUTH_RETRIES,
    NO_ANSWER_PREFIX,
    OutboxSender,
    Verdict,
    backoff,
    is_ack,
    judge,
    peer_error,
)
from duijie.services.ports import OutboxState, TransportResponse
from duijie.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACK = b'{"message":{"ack":{"status":"ACK"}}}'
NACK = b'{"message":{"ack":{"status":"NACK"}},"error":{"code":"30000","message":"bad order"}}'
REPLAY = (b'{"message":{"ack":{"status":"NACK"}},"error":{"code":"30000",'
          b'"message":"message_id \'m\' already received from \'farm\' for on_search"}}')


class Clock:
    def __init__(self) -> None:
        self.current = NOW

    def now(self) -> datetime:
        return self.current


class Script:
    """A peer answering from a list, one answer (or exception) per attempt."""

    def __init__(self, *answers: TransportResponse | Exception) -> None:
        self.answers = list(answers)

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Recorder:
    """Records what is sent and gives one answer (or raises one exception) every time."""

    def __init__(self, answer: TransportResponse | Exception) -> None:
        self.answer = answer
        self.sent: list[tuple[str, bytes, Mapping[str, str]]] = []

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> TransportResponse:
        self.sent.append((url, body, headers))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class Signer:
    def headers_for(self, body: bytes, now: datetime) -> dict[str, str]:
        return {"Authorization": "Signature test"}


def _queue(uow: SqlUnitOfWorkFactory, action: str = "on_search") -> int:
    with uow() as u:
        mid = u.outbox.add(f"http://peer/beckn/{action}", action, b"{}", NOW, NOW + timedelta(hours=1))
        u.commit()
    return mid


def _attempt_until_final(uow: SqlUnitOfWorkFactory, peer: Script, clock: Clock, mid: int) -> OutboxState:
    """Deliver whenever due until the message leaves pending (or the script runs out)."""
    sender = OutboxSender(uow, peer, Signer(), clock)  # type: ignore[arg-type]
    while True:
        asyncio.run(sender.deliver_due())
        with uow(read_only=True) as u:
            msg = u.outbox.get(mid)
        assert msg is not None
        if msg.state is not OutboxState.PENDING or not peer.answers:
            return msg.state
        clock.current = msg.next_attempt_at


def test_a_nack_with_200_is_refused_with_its_error_logged_and_counted(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    mid = _queue(uow)
    ok = _queue(uow)
    peer = Script(TransportResponse(200, NACK), TransportResponse(200, ACK))
    with caplog.at_level(logging.WARNING, logger="duijie.outbox"):
        asyncio.run(OutboxSender(uow, peer, Signer(), Clock()).deliver_due())  # type: ignore[arg-type]
    with uow(read_only=True) as u:
        refused, sent = u.outbox.get(mid), u.outbox.get(ok)
        counts = u.outbox.count_unsent()
    assert refused is not None and refused.state is OutboxState.REFUSED
    assert refused.last_error == "HTTP 200: 30000 bad order"
    assert sent is not None and sent.state is OutboxState.SENT
    assert counts == {"pending": 0, "refused": 1, "expired": 0}
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning and all(w in warning[0] for w in ("http://peer/beckn/on_search", "on_search", "bad order"))


def test_a_409_on_the_first_attempt_is_refused_not_sent(engine: Engine) -> None:
    # Before replays were keyed per sender, every seller's on_search but the first met a 409 and
    # was stored as sent: nothing showed the loss.
    uow = SqlUnitOfWorkFactory(engine)
    mid = _queue(uow)
    assert _attempt_until_final(uow, Script(TransportResponse(409, REPLAY)), Clock(), mid) is OutboxState.REFUSED
    with uow(read_only=True) as u:
        msg = u.outbox.get(mid)
    assert msg is not None and "already received from 'farm'" in (msg.last_error or "")


def test_a_409_after_an_attempt_that_got_no_answer_means_that_attempt_arrived(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    mid = _queue(uow)
    peer = Script(TimeoutError("no answer in 10 s"), TransportResponse(409, REPLAY))
    assert _attempt_until_final(uow, peer, Clock(), mid) is OutboxState.SENT


def test_a_401_is_retried_a_few_times_then_refused_and_a_503_keeps_being_retried(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    unknown_key = TransportResponse(401, b'{"message":{"ack":{"status":"NACK"}},"error":{"code":"10001"}}')
    mid = _queue(uow)
    peer = Script(*[unknown_key] * (AUTH_RETRIES + 3))
    assert _attempt_until_final(uow, peer, Clock(), mid) is OutboxState.REFUSED
    assert len(peer.answers) == 3  # not retried for ever
    busy = _queue(uow)
    assert _attempt_until_final(uow, Script(*[TransportResponse(503, b"busy")] * 3), Clock(), busy) \
        is OutboxState.PENDING


@pytest.mark.parametrize(("status", "body", "last_error", "verdict"), [
    (200, ACK, None, Verdict.DELIVERED),
    (202, ACK, None, Verdict.DELIVERED),
    (200, NACK, None, Verdict.REFUSED),
    (400, NACK, None, Verdict.REFUSED),
    (409, REPLAY, None, Verdict.REFUSED),
    (409, REPLAY, "HTTP 503: busy", Verdict.REFUSED),  # the 503 kept nothing: a real refusal
    (409, REPLAY, NO_ANSWER_PREFIX + "TimeoutError: ", Verdict.DELIVERED),
    (401, NACK, None, Verdict.RETRY),
    (408, b"", None, Verdict.RETRY),
    (429, b"", None, Verdict.RETRY),
    (500, ACK, None, Verdict.RETRY),
    (503, NACK, None, Verdict.RETRY),
])
def test_judge(status: int, body: bytes, last_error: str | None, verdict: Verdict) -> None:
    assert judge(status, body, attempts=1, last_error=last_error) is verdict


def test_peer_error_names_the_nack_or_quotes_the_body() -> None:
    assert peer_error(400, NACK) == "HTTP 400: 30000 bad order"
    assert peer_error(502, b"<html>bad gateway</html>") == "HTTP 502: <html>bad gateway</html>"
    assert peer_error(400, b'{"error": "text"}') == 'HTTP 400: {"error": "text"}'


def test_outbox_retries_until_ack_and_keeps_pending_across_restarts(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    clock = Clock()
    with uow() as u:
        mid = u.outbox.add("http://peer/beckn/on_confirm", "on_confirm", b'{"x":1}', NOW, NOW + timedelta(hours=1))
        u.commit()
    down = Recorder(ConnectionError("refused"))
    asyncio.run(OutboxSender(uow, down, Signer(), clock).deliver_due())  # type: ignore[arg-type]
    with uow(read_only=True) as u:
        msg = u.outbox.get(mid)
    assert msg is not None and msg.state is OutboxState.PENDING and msg.attempts == 1
    assert msg.next_attempt_at > NOW
    # A new sender (as after a restart) delivers it once it is due.
    clock.current = msg.next_attempt_at
    up = Recorder(TransportResponse(200, b'{"message":{"ack":{"status":"ACK"}}}'))
    assert asyncio.run(OutboxSender(uow, up, Signer(), clock).deliver_due()) == 1  # type: ignore[arg-type]
    assert up.sent[0][1] == b'{"x":1}' and up.sent[0][2]["Authorization"] == "Signature test"
    with uow(read_only=True) as u:
        sent = u.outbox.get(mid)
    assert sent is not None and sent.state is OutboxState.SENT


def test_a_committed_message_goes_out_at_once_and_a_rolled_back_one_never(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    up = Recorder(TransportResponse(200, b'{"message":{"ack":{"status":"ACK"}}}'))
    sender = OutboxSender(uow, up, Signer(), Clock())  # type: ignore[arg-type]
    uow.outbox_listeners.append(sender.submit)

    def queue(body: bytes, *, commit: bool) -> None:  # as a handler does, in a worker thread
        with uow() as u:
            u.outbox.add("http://peer/beckn/on_confirm", "on_confirm", body, NOW, NOW + timedelta(hours=1))
            if commit:
                u.commit()

    async def scenario() -> None:
        runner = asyncio.ensure_future(sender.run(poll_seconds=3600))  # only the hand-off can send now
        await asyncio.sleep(0.1)
        await asyncio.to_thread(queue, b'{"rolled":"back"}', commit=False)
        await asyncio.to_thread(queue, b'{"n":1}', commit=True)
        for _ in range(100):
            if up.sent:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        runner.cancel()
        try:
            await runner
        except asyncio.CancelledError:
            pass

    asyncio.run(scenario())
    assert [body for _, body, _ in up.sent] == [b'{"n":1}']


def test_outbox_gives_up_after_expiry_and_on_refusal(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        late = u.outbox.add("http://p/on_status", "on_status", b"{}", NOW - timedelta(hours=2),
                            NOW - timedelta(hours=1))
        refused = u.outbox.add("http://p/on_status", "on_status", b"{}", NOW, NOW + timedelta(hours=1))
        u.commit()
    nack = Recorder(TransportResponse(400, b'{"message":{"ack":{"status":"NACK"}}}'))
    asyncio.run(OutboxSender(uow, nack, Signer(), Clock()).deliver_due())  # type: ignore[arg-type]
    with uow(read_only=True) as u:
        assert u.outbox.get(late).state is OutboxState.EXPIRED  # type: ignore[union-attr]
        assert u.outbox.get(refused).state is OutboxState.REFUSED  # type: ignore[union-attr]


def test_only_a_2xx_ack_body_counts_as_delivered() -> None:
    assert is_ack(200, b'{"message":{"ack":{"status":"ACK"}}}')
    assert not is_ack(200, b'{"message":{"ack":{"status":"NACK"}}}')
    assert not is_ack(500, b'{"message":{"ack":{"status":"ACK"}}}')
    assert not is_ack(200, b"not json")


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(1) < backoff(2) < backoff(3)
    assert backoff(50) == timedelta(seconds=60)
