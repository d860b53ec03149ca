"""The inbound journal: ACK once durable, handle after, survive a crash in between, refuse replays."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from duijie.protocol.context import Action, Context
from duijie.protocol.outbound import wire_bytes
from duijie.protocol.pipeline import Verified
from duijie.services.beckn_inbox import BecknInbox, Reply
from duijie.services.inbound_journal import InboundJournal, JournalFull
from duijie.storage.tables import inbound_messages
from duijie.storage.uow import SqlUnitOfWorkFactory


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 27, 12, tzinfo=UTC)


def _verified(message_id: str | None = None, signer: str = "bap.example") -> tuple[Verified, bytes]:
    ctx = Context(domain="nic2004:55204", action=Action.CONFIRM, bap_id="bap.example", bap_uri="http://bap/beckn",
                  transaction_id=str(uuid.uuid4()), message_id=message_id or str(uuid.uuid4()),
                  timestamp="2026-11-27T12:00:00Z", bpp_id="bpp.example", bpp_uri="http://bpp/beckn")
    doc = {"context": ctx.to_dict(), "message": {"order": {"id": "x"}}}
    return Verified(ctx, doc["message"], doc, signer, None), wire_bytes(doc)


async def _run_until(done: Callable[[], bool], *coros: object, timeout: float = 10) -> None:
    """Run ``coros`` until ``done()`` (checked every 10 ms; a loaded machine may take a while)."""
    tasks = [asyncio.ensure_future(c) for c in coros]  # type: ignore[call-overload]
    deadline = asyncio.get_running_loop().time() + timeout
    while not done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await t


async def _until_running(journal: InboundJournal, timeout: float = 10) -> None:
    """The writer and workers are up (their start reads leftovers: slow on a loaded machine)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not journal.running and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    assert journal.running


def test_a_journaled_message_left_by_a_crash_is_handled_on_the_next_start(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    verified, body = _verified()

    async def first_run() -> bool:
        journal = InboundJournal(uow, Clock())
        writer = asyncio.ensure_future(journal.run_writer())
        await asyncio.sleep(0)
        accepted = await journal.append(verified, body)  # the ACK point; no worker runs: "crash"
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        return accepted

    assert asyncio.run(first_run()) is True
    with uow(read_only=True) as u:
        assert [p.message_id for p in u.inbound.pending()] == [verified.context.message_id]

    handled: list[Verified] = []

    async def dispatch(v: Verified) -> None:
        handled.append(v)

    def journal_rows() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(inbound_messages)).scalar_one())

    asyncio.run(_run_until(lambda: bool(handled) and journal_rows() == 0,
                           InboundJournal(uow, Clock()).run_workers(dispatch)))
    assert [v.context.message_id for v in handled] == [verified.context.message_id]
    assert handled[0].message == {"order": {"id": "x"}} and handled[0].signer_subscriber_id == "bap.example"
    with uow(read_only=True) as u:
        assert u.inbound.pending() == []
    # Handled entries leave the journal altogether (their effects are stored by the handler).
    assert journal_rows() == 0


def test_the_same_message_is_journaled_once(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    first, body = _verified("m-1")
    again, _ = _verified("m-1")
    results: list[bool] = []
    handled: list[str] = []

    async def dispatch(v: Verified) -> None:
        handled.append(v.context.message_id)

    async def scenario() -> None:
        journal = InboundJournal(uow, Clock())
        tasks = [asyncio.ensure_future(journal.run_writer()), asyncio.ensure_future(journal.run_workers(dispatch))]
        await _until_running(journal)
        results.extend(await asyncio.gather(journal.append(first, body), journal.append(again, body)))
        await asyncio.sleep(0.2)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t

    asyncio.run(scenario())
    assert results == [True, False]
    assert handled == ["m-1"]


def test_one_message_id_from_two_senders_is_journaled_for_each_and_a_repeat_refused(engine: Engine) -> None:
    # Replies from different senders to one request share its message_id: each is its own message.
    uow = SqlUnitOfWorkFactory(engine)
    farm, factory, farm_again = (_verified("shared", signer) for signer in ("farm.example", "factory.example",
                                                                            "farm.example"))
    results: list[bool] = []

    async def scenario() -> None:
        journal = InboundJournal(uow, Clock())
        writer = asyncio.ensure_future(journal.run_writer())
        await asyncio.sleep(0)
        results.extend(await asyncio.gather(journal.append(*farm), journal.append(*factory)))  # one batch
        results.append(await journal.append(*farm_again))  # a later batch
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer

    asyncio.run(scenario())
    assert results == [True, True, False]
    with uow(read_only=True) as u:
        assert sorted(p.signer_subscriber_id for p in u.inbound.pending()) == ["factory.example", "farm.example"]


def test_a_batch_gets_ids_in_order_and_repeats_within_it_are_refused(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    msgs = [_verified(f"b-{i}") for i in range(5)] + [_verified("b-2")]
    results: list[bool] = []

    async def scenario() -> None:
        journal = InboundJournal(uow, Clock())
        writer = asyncio.ensure_future(journal.run_writer())
        await asyncio.sleep(0)
        results.extend(await asyncio.gather(*(journal.append(v, b) for v, b in msgs)))
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer

    asyncio.run(scenario())
    assert results == [True] * 5 + [False]
    with uow(read_only=True) as u:
        pending = u.inbound.pending()
    assert [p.message_id for p in pending] == [f"b-{i}" for i in range(5)]
    assert [p.id for p in pending] == sorted(p.id for p in pending)


def test_at_the_backlog_limit_a_message_is_refused_and_nothing_is_recorded(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    first, body1 = _verified("full-1")
    second, body2 = _verified("full-2")

    async def scenario() -> list[bool]:
        journal = InboundJournal(uow, Clock(), max_backlog=1)
        writer = asyncio.ensure_future(journal.run_writer())  # no workers: nothing drains
        await asyncio.sleep(0)
        accepted = [await journal.append(first, body1)]
        try:
            await journal.append(second, body2)
        except JournalFull as full:
            assert full.backlog == 1 and "retry later" in str(full)
        else:
            raise AssertionError("the second message should have been refused")
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        # Nothing of the refused one was kept, so the sender's retry is not taken for a replay.
        fresh = InboundJournal(uow, Clock())
        writer = asyncio.ensure_future(fresh.run_writer())
        await asyncio.sleep(0)
        accepted.append(await fresh.append(second, body2))
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        return accepted

    assert asyncio.run(scenario()) == [True, True]


def test_under_pressure_messages_are_handled_one_at_a_time_and_all_of_them_are(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    msgs = [_verified() for _ in range(12)]
    running = 0
    pressed: list[int] = []  # how many ran at once, for each start under pressure
    handled: list[str] = []
    journal = InboundJournal(uow, Clock(), calm_backlog=2, workers=4, yield_factor=1.0)

    async def dispatch(v: Verified) -> None:
        nonlocal running
        running += 1
        if journal.under_pressure:
            pressed.append(running)
        await asyncio.sleep(0.01)
        running -= 1
        handled.append(v.context.message_id)

    async def scenario() -> None:
        tasks = [asyncio.ensure_future(journal.run_writer()), asyncio.ensure_future(journal.run_workers(dispatch))]
        await asyncio.sleep(0.05)
        assert all(await asyncio.gather(*(journal.append(v, b) for v, b in msgs)))
        for _ in range(200):
            if journal.backlog == 0:
                break
            await asyncio.sleep(0.02)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t

    asyncio.run(scenario())
    assert sorted(handled) == sorted(v.context.message_id for v, _ in msgs)
    assert pressed and set(pressed) == {1}  # while more than calm_backlog waited and more kept coming


def test_a_full_node_answers_503_with_retry_after_and_does_not_take_the_message(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    verified, body = _verified("busy-1")

    class PassingPipeline:
        async def run(self, inbound: object) -> Verified:
            return verified

    async def handler(v: Verified) -> None:
        return None

    async def scenario() -> Reply:
        journal = InboundJournal(uow, Clock(), max_backlog=0)
        inbox = BecknInbox(PassingPipeline(), Clock(), journal)  # type: ignore[arg-type]
        inbox.register(Action.CONFIRM, handler)
        tasks = [asyncio.ensure_future(journal.run_writer()), asyncio.ensure_future(journal.run_workers(handler))]
        await _until_running(journal)
        reply = await inbox.receive(body, {}, "confirm")
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        return reply

    reply = asyncio.run(scenario())
    assert reply.status == 503 and reply.headers["Retry-After"]
    assert reply.body["message"]["ack"]["status"] == "NACK" and "busy" in reply.body["error"]["message"]
    with uow(read_only=True) as u:
        assert u.inbound.pending() == []
        assert u.messages.record("bap.example", "busy-1", "confirm", Clock().now())  # not recorded as seen
