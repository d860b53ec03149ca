"""The inbound journal: ACK once durable, handle after, survive a crash in between, refuse replays."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine

from duijie.protocol.context import Action, Context
from duijie.protocol.outbound import wire_bytes
from duijie.protocol.pipeline import Verified
from duijie.services.inbound_journal import InboundJournal
from duijie.storage.uow import SqlUnitOfWorkFactory


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 27, 12, tzinfo=UTC)


def _verified(message_id: str | None = None) -> tuple[Verified, bytes]:
    ctx = Context(domain="nic2004:55204", action=Action.CONFIRM, bap_id="bap.example", bap_uri="http://bap/beckn",
                  transaction_id=str(uuid.uuid4()), message_id=message_id or str(uuid.uuid4()),
                  timestamp="2026-11-27T12:00:00Z", bpp_id="bpp.example", bpp_uri="http://bpp/beckn")
    doc = {"context": ctx.to_dict(), "message": {"order": {"id": "x"}}}
    return Verified(ctx, doc["message"], doc, "bap.example", None), wire_bytes(doc)


async def _run_briefly(*coros: object, seconds: float = 0.3) -> None:
    tasks = [asyncio.ensure_future(c) for c in coros]  # type: ignore[call-overload]
    await asyncio.sleep(seconds)
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await t


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

    asyncio.run(_run_briefly(InboundJournal(uow, Clock()).run_workers(dispatch)))
    assert [v.context.message_id for v in handled] == [verified.context.message_id]
    assert handled[0].message == {"order": {"id": "x"}} and handled[0].signer_subscriber_id == "bap.example"
    with uow(read_only=True) as u:
        assert u.inbound.pending() == []


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
        await asyncio.sleep(0.05)
        assert journal.running
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
