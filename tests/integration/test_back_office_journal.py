"""The journal split between an intake and its back office (two processes on one database)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from tests.integration.test_inbound_journal import Clock

from duijie.protocol.context import Action, Context
from duijie.protocol.outbound import wire_bytes
from duijie.protocol.pipeline import Verified
from duijie.services.inbound_journal import InboundJournal
from duijie.services.ports import JournaledMessage, JournalState, StoreBusy
from duijie.storage import migrate
from duijie.storage import uow as uow_module
from duijie.storage.engine import make_engine, sqlite_url
from duijie.storage.tables import inbound_messages
from duijie.storage.uow import SqlUnitOfWorkFactory


class Office:
    """A back office as the intake sees it: the actions it takes and the ids it was told of."""

    def __init__(self, *actions: Action) -> None:
        self.actions = frozenset(a.value for a in actions)
        self.told: list[JournaledMessage] = []

    def journaled(self, entries: list[JournaledMessage]) -> None:
        self.told += entries


def _message(action: Action) -> tuple[Verified, bytes]:
    ctx = Context(domain="nic2004:55204", action=action, bap_id="bap.example", bap_uri="http://bap/beckn",
                  transaction_id=str(uuid.uuid4()), message_id=str(uuid.uuid4()),
                  timestamp="2026-11-27T12:00:00Z", bpp_id="bpp.example", bpp_uri="http://bpp/beckn")
    doc = {"context": ctx.to_dict(), "message": {"order": {"id": "x"}}}
    signer = "bpp.example" if action.is_callback else "bap.example"
    return Verified(ctx, doc["message"], doc, signer, None), wire_bytes(doc)


async def _until(cond: object, timeout: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def _stop(*tasks: asyncio.Future[None]) -> None:
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await t


async def _serve(journal: InboundJournal, handled: list[str]) -> list[asyncio.Future[None]]:
    """Run an intake's writer and workers (its own entries only); handled actions go to ``handled``."""

    async def dispatch(v: Verified) -> None:
        handled.append(v.context.action.value)

    tasks = [asyncio.ensure_future(journal.run_writer()),
             asyncio.ensure_future(journal.run_workers(dispatch, (JournalState.PENDING,)))]
    await _until(lambda: journal.running)
    return tasks


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(inbound_messages)).scalar_one())


def test_while_it_keeps_up_the_intake_handles_everything_itself(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    office = Office(Action.CONFIRM)
    handled: list[str] = []

    async def main() -> None:
        journal = InboundJournal(uow, Clock(), back_office=office)
        tasks = await _serve(journal, handled)
        assert await journal.append(*_message(Action.CONFIRM)) is True
        await _until(lambda: handled == ["confirm"])
        assert office.told == []
        await _stop(*tasks)

    asyncio.run(main())


def test_under_pressure_the_intake_hands_the_back_offices_actions_on(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    office = Office(Action.CONFIRM)
    handled: list[str] = []

    async def main() -> None:
        # calm_backlog=-1: any recent intake counts as pressure.
        journal = InboundJournal(uow, Clock(), back_office=office, calm_backlog=-1)
        tasks = await _serve(journal, handled)
        assert await journal.append(*_message(Action.CONFIRM)) is True
        assert await journal.append(*_message(Action.ON_CONFIRM)) is True  # not the back office's
        await _until(lambda: handled == ["on_confirm"])
        assert [e.action for e in office.told] == ["confirm"]  # committed, then passed on whole
        assert journal.backlog == 1  # ... and counted until the back office reports it
        journal.remote_handled(1)
        assert journal.backlog == 0
        journal.remote_handled(5)  # a restarted back office may report leftovers too: never below 0
        assert journal.backlog == 0
        await asyncio.sleep(0.1)
        assert handled == ["on_confirm"]
        await _stop(*tasks)

    asyncio.run(main())
    with uow(read_only=True) as u:
        assert [e.action for e in u.inbound.pending(states=(JournalState.HANDED_OFF,))] == ["confirm"]
        assert u.inbound.pending(states=(JournalState.PENDING,)) == []


def test_the_back_office_handles_what_it_is_handed_once_and_reports_it(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine)
    office = Office(Action.CONFIRM)
    handled: list[str] = []
    reported: list[int] = []

    async def dispatch(v: Verified) -> None:
        handled.append(v.context.message_id)

    async def main() -> None:
        intake = InboundJournal(uow, Clock(), back_office=office, calm_backlog=-1)
        writer = asyncio.ensure_future(intake.run_writer())
        await asyncio.sleep(0)
        first, second = _message(Action.CONFIRM), _message(Action.CONFIRM)
        await intake.append(*first)
        await _stop(writer)
        back = InboundJournal(uow, Clock())
        back.on_removed = reported.append
        # The first is found as a leftover of what was handed off.
        workers = asyncio.ensure_future(back.run_workers(dispatch, (JournalState.HANDED_OFF,)))
        await _until(lambda: handled == [first[0].context.message_id])
        writer = asyncio.ensure_future(intake.run_writer())
        await intake.append(*second)
        assert [e.body for e in office.told] == [first[1], second[1]]
        back.take(office.told)  # both: the first was handled already, and is not again
        back.take(office.told[1:])  # handed over twice while queued: still handled once
        await _until(lambda: len(handled) == 2 and sum(reported) == 2)
        await asyncio.sleep(0.1)
        assert handled == [first[0].context.message_id, second[0].context.message_id]
        await _stop(workers, writer)

    asyncio.run(main())
    assert _rows(engine) == 0  # handled entries leave the journal


def test_leftovers_go_to_whoever_had_them(engine: Engine) -> None:
    """After a crash the intake takes back its own entries, the back office what was handed off,
    and a node serving alone (`--back-office inline`) all of them."""
    uow = SqlUnitOfWorkFactory(engine)
    with uow() as u:
        u.inbound.add_many([("m-own", "select", b"{}", "bap.example", None, JournalState.PENDING),
                            ("m-off", "confirm", b"{}", "bap.example", None, JournalState.HANDED_OFF)],
                           Clock().now())
        u.commit()
    with uow(read_only=True) as u:
        assert [e.message_id for e in u.inbound.pending(states=(JournalState.PENDING,))] == ["m-own"]
        assert [e.message_id for e in u.inbound.pending(states=(JournalState.HANDED_OFF,))] == ["m-off"]
        assert [e.message_id for e in u.inbound.pending()] == ["m-own", "m-off"]


def test_a_write_lock_held_by_another_process_never_blocks_the_event_loop(tmp_path: Path) -> None:
    """SQLite only: PostgreSQL has no database-wide write lock for another process to hold."""
    engine = make_engine(sqlite_url(tmp_path))
    migrate.upgrade(engine)
    uow = SqlUnitOfWorkFactory(engine)
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)  # "another process"
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy):
            with uow(wait=False):
                pass
    finally:
        other.execute("ROLLBACK")
    with uow(wait=False) as u:  # free again: no leftovers from the failed attempt
        u.commit()

    async def main() -> tuple[bool, int]:
        journal = InboundJournal(uow, Clock())
        writer = asyncio.ensure_future(journal.run_writer())
        await asyncio.sleep(0)
        other.execute("BEGIN IMMEDIATE")
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, other.execute, "COMMIT")
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        tick = asyncio.ensure_future(ticker())
        started = loop.time()
        accepted = await journal.append(*_message(Action.CONFIRM))
        assert loop.time() - started >= 0.25  # it did wait for the lock ...
        await _stop(tick, writer)
        return accepted, ticks

    accepted, ticks = asyncio.run(main())
    other.close()
    assert accepted is True
    assert ticks >= 10  # ... while the loop went on (a blocking wait would have frozen the ticker)
    assert _rows(engine) == 1


def test_only_another_process_holding_the_lock_moves_inline_work_to_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uow_module, "CONTENDED_SECONDS", 0.2)
    engine = make_engine(sqlite_url(tmp_path))
    migrate.upgrade(engine)
    uow = SqlUnitOfWorkFactory(engine)

    def on_main_thread() -> bool:
        return threading.current_thread() is threading.main_thread()

    # Our own worker thread holds the write lock: refused, but nothing moves off the loop (else
    # work moved to threads would hold the lock longer and keep itself there).
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with uow():
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)
    with pytest.raises(StoreBusy), uow(wait=False):
        pass
    release.set()
    holder.join()
    assert asyncio.run(uow.run(on_main_thread)) is True

    # Another process holds it: inline work goes to worker threads for a while, then comes back.
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreBusy), uow(wait=False):
        pass
    other.execute("ROLLBACK")
    other.close()
    assert asyncio.run(uow.run(on_main_thread)) is False
    assert asyncio.run(uow.run_without_waiting(on_main_thread)) is True  # the journal's writes stay inline
    time.sleep(0.25)
    assert asyncio.run(uow.run(on_main_thread)) is True
