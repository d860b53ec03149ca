"""The inbound journal: a verified message is made durable, ACKed, then handled.

Beckn's ACK promises a callback. Handling a message (pricing, orders, outbox) takes far longer
than checking it, so the node ACKs once the message is journaled — written in the same
transaction as its replay record — and handles it right after, in the background. A crash
between the two leaves the message pending in the journal, and the next start handles it.

Journal writes are batched: requests arriving together share one transaction (one SELECT for
the keys already seen, one multi-row INSERT of replay records, one of journal rows), so the ACK
path costs one signature check and a fraction of a commit.

Under overload intake comes first. Once more than ``calm_backlog`` messages wait while new ones
keep arriving, handling narrows to one message at a time and, after each, yields the time it took
times ``yield_factor``: handling keeps a fixed share of the CPU and drains the backlog, and the
rest goes to accepting (and durably journaling) what senders keep sending. At ``max_backlog``
waiting messages the node refuses new ones with :class:`JournalFull` (a 503 NACK, so a sender's
outbox retries later) instead of queueing without bound.

A node may have a :class:`BackOffice`, another process on another core, take the overflow:
while the node keeps up it handles everything itself, but once it is under pressure new messages
of the back office's actions are journaled as usual and then passed on whole, and that process's
journal (see :meth:`InboundJournal.take`) handles them; it reports back how many it finished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import orjson

from duijie.protocol.context import Context
from duijie.protocol.pipeline import Verified
from duijie.services.ports import Clock, JournaledMessage, JournalState, StoreBusy, UnitOfWorkFactory

log = logging.getLogger("duijie.journal")

Dispatch = Callable[[Verified], Awaitable[None]]

BUSY_RETRY_SECONDS = 0.001
"""How soon a journal write is tried again when another process holds SQLite's write lock."""


class BackOffice(Protocol):
    """Where journaled messages of ``actions`` are handled instead of here (another process)."""

    @property
    def actions(self) -> frozenset[str]:
        """The actions it takes now (none while it is not there)."""

    def journaled(self, entries: list[JournaledMessage]) -> None:
        """These committed journal entries are the back office's to handle (never blocks)."""


class JournalFull(Exception):
    """The backlog of journaled, not yet handled messages is at its limit: refuse, retry later."""

    def __init__(self, backlog: int) -> None:
        super().__init__(f"{backlog} messages are waiting to be handled; retry later")
        self.backlog = backlog


@dataclass
class _Pending:
    verified: Verified
    raw_body: bytes
    future: asyncio.Future[int | None]
    remote: bool  # for the back office


def restore(entry: JournaledMessage) -> Verified:
    """Rebuild a verified message from its journal entry (it was verified before it was written)."""
    doc = orjson.loads(entry.body)
    message = doc.get("message")
    return Verified(
        context=Context.from_dict(doc["context"]),
        message=message if isinstance(message, dict) else {},
        doc=doc,
        signer_subscriber_id=entry.signer_subscriber_id,
        gateway_subscriber_id=entry.gateway_subscriber_id,
        raw_body=entry.body,
    )


class InboundJournal:
    """Batching writer of verified messages, and the worker that hands them to their handlers."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        max_batch: int = 256,
        workers: int = 8,
        calm_backlog: int = 64,
        max_backlog: int = 20_000,
        yield_factor: float = 4.0,
        back_office: BackOffice | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._max_batch = max_batch
        self._workers = workers
        self._calm_backlog = calm_backlog
        self._max_backlog = max_backlog
        self._yield_factor = yield_factor
        self._backlog = 0  # journaled (or being journaled) and not yet handled
        self._back_office = back_office
        self._remote_backlog = 0  # handed to the back office and not yet reported handled
        self._handed_off_total = 0
        self._queued: set[int] = set()  # entry ids waiting, being handled, or handled and not yet removed
        self.on_removed: Callable[[int], None] | None = None  # told how many handled entries went
        self._last_append = 0.0
        self._narrow = asyncio.Lock()
        self._pending: list[_Pending] = []
        self._kick = asyncio.Event()
        self._work: asyncio.Queue[tuple[int, Verified]] = asyncio.Queue()
        self._done: list[int] = []
        self._writer_up = False
        self._workers_up = False

    @property
    def running(self) -> bool:
        """True while the writer and the workers run (the server's lifespan); else handle inline."""
        return self._writer_up and self._workers_up

    @property
    def backlog(self) -> int:
        """Messages accepted (or being journaled) and not yet handled, here or by the back office."""
        return self._backlog + self._remote_backlog

    def stats(self) -> dict[str, int]:
        """For operators: what waits here, what waits in the back office, what was handed off."""
        return {"backlog": self._backlog, "handed_off_waiting": self._remote_backlog,
                "handed_off_total": self._handed_off_total}

    def remote_handled(self, count: int) -> None:
        """The back office reports ``count`` more of its entries handled."""
        before = self._remote_backlog
        self._remote_backlog = max(0, before - count)
        if before and not self._remote_backlog:
            log.info("the back office caught up (%d handed off since start)", self._handed_off_total)

    async def append(self, verified: Verified, raw_body: bytes) -> bool:
        """Journal ``verified``; False when its (sender, message_id, action) was already received.

        Raises :class:`JournalFull` (nothing written) when ``max_backlog`` messages already wait.
        """
        if self._backlog + self._remote_backlog >= self._max_backlog:
            raise JournalFull(self._backlog + self._remote_backlog)
        loop = asyncio.get_running_loop()
        self._last_append = loop.time()
        future: asyncio.Future[int | None] = loop.create_future()
        office = self._back_office
        remote = office is not None and verified.context.action.value in office.actions and self.under_pressure
        self._pending.append(_Pending(verified, raw_body, future, remote))
        self._backlog += 1
        self._kick.set()
        try:
            entry_id = await future
        except BaseException:
            self._backlog -= 1
            raise
        if entry_id is None:
            self._backlog -= 1
            return False
        self._last_append = loop.time()  # intake is active while appends start or finish
        if remote:
            self._backlog -= 1  # the writer has passed it on: the back office's backlog now
            self._remote_backlog += 1
            return True
        self._queue(entry_id, verified)
        return True

    def _queue(self, entry_id: int, verified: Verified) -> None:
        self._queued.add(entry_id)
        self._work.put_nowait((entry_id, verified))

    @property
    def under_pressure(self) -> bool:
        """Many messages wait and more keep coming: intake first, handling narrows (or moves to
        the back office)."""
        recent = asyncio.get_running_loop().time() - self._last_append < 0.05
        return recent and self._backlog + self._remote_backlog > self._calm_backlog

    async def run_writer(self) -> None:
        """Background task: write queued messages in batches, one transaction per batch."""
        self._writer_up = True
        try:
            await self._write_forever()
        finally:
            self._writer_up = False

    async def _write_forever(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                try:
                    ids = await self._uow.run_without_waiting(self._write, batch, self._clock.now())
                except StoreBusy:
                    # The back office holds the lock: keep checking requests meanwhile (they
                    # join this batch) and try again shortly, instead of blocking the loop.
                    self._pending[:0] = batch
                    await asyncio.sleep(BUSY_RETRY_SECONDS)
                    continue
                except Exception as exc:  # noqa: BLE001 - every waiter must hear of it
                    log.exception("journal write failed")
                    for item in batch:
                        if not item.future.done():
                            item.future.set_exception(exc)
                    continue
                self._pass_on(batch, ids)
                for item, entry_id in zip(batch, ids, strict=True):
                    if not item.future.done():
                        item.future.set_result(entry_id)

    def _pass_on(self, batch: list[_Pending], ids: list[int | None]) -> None:
        """Hand the back office its entries once committed (so a restart of it finds them too)."""
        office = self._back_office
        if office is None:
            return
        mine: list[JournaledMessage] = []
        for item, entry_id in zip(batch, ids, strict=True):
            if entry_id is not None and item.remote:
                v = item.verified
                mine.append(JournaledMessage(entry_id, v.context.message_id, v.context.action.value, item.raw_body,
                                             v.signer_subscriber_id, v.gateway_subscriber_id))
        if mine:
            if not self._remote_backlog:
                log.info("under pressure (%d waiting): handing new requests to the back office", self._backlog)
            self._handed_off_total += len(mine)
            office.journaled(mine)

    def _write(self, batch: list[_Pending], now: datetime) -> list[int | None]:
        """One transaction: one SELECT for the keys already seen, one INSERT of replay rows, one
        of journal rows; per message in order, its journal id, or None for a replay."""
        with self._uow(wait=False) as uow:
            keys = [(item.verified.signer_subscriber_id, item.verified.context.message_id,
                     item.verified.context.action.value) for item in batch]
            fresh = uow.messages.record_many(keys, now)
            ids = iter(uow.inbound.add_many(
                [(item.verified.context.message_id, item.verified.context.action.value, item.raw_body,
                  item.verified.signer_subscriber_id, item.verified.gateway_subscriber_id,
                  JournalState.HANDED_OFF if item.remote else JournalState.PENDING)
                 for item, new in zip(batch, fresh, strict=True) if new],
                now,
            ))
            uow.commit()
        return [next(ids) if new else None for new in fresh]

    async def run_workers(self, dispatch: Dispatch, states: Collection[JournalState] = tuple(JournalState)) -> None:
        """Background task: first the messages a previous run left, then new ones.

        ``states`` limits the leftovers to those handled here: an intake with a back office
        takes its own (pending), the back office what was handed off, a lone node both.
        """
        leftover = await asyncio.to_thread(self._leftover, states)
        self._enqueue(leftover)
        if leftover:
            log.info("handling %d journaled message(s) left from the previous run", len(leftover))
        self._workers_up = True
        try:
            await asyncio.gather(*(self._worker(dispatch) for _ in range(self._workers)), self._remover())
        finally:
            self._workers_up = False

    def take(self, entries: list[JournaledMessage]) -> None:
        """In a back office: handle these entries, journaled by the intake process.

        They arrive only while the intake is under pressure, and the intake's journal writes then
        wait whenever this process holds SQLite's write lock: so handling narrows here too, and
        leaves the lock free for them between messages.
        """
        self._last_append = asyncio.get_running_loop().time()
        self._enqueue(entries)

    def _enqueue(self, entries: list[JournaledMessage]) -> None:
        for entry in entries:
            if entry.id not in self._queued:  # a restart's leftovers may also be announced
                self._backlog += 1
                self._queue(entry.id, restore(entry))

    def _leftover(self, states: Collection[JournalState]) -> list[JournaledMessage]:
        with self._uow(read_only=True) as uow:
            return uow.inbound.pending(states=states)

    async def _worker(self, dispatch: Dispatch) -> None:
        loop = asyncio.get_running_loop()
        while True:
            entry_id, verified = await self._work.get()
            # Handling SQLite work runs inline and never yields: step aside once first, so
            # requests already waiting are read, checked and ACKed before this message is handled
            # (otherwise intake only ever runs between whole batches of handling, and the backlog
            # that should trigger narrowing never builds up).
            await asyncio.sleep(0)
            if self.under_pressure:
                async with self._narrow:  # one at a time, then step aside for intake
                    started = loop.time()
                    await self._handle(dispatch, entry_id, verified)
                    await asyncio.sleep((loop.time() - started) * self._yield_factor)
            else:
                await self._handle(dispatch, entry_id, verified)

    async def _handle(self, dispatch: Dispatch, entry_id: int, verified: Verified) -> None:
        try:
            await dispatch(verified)
        except Exception:  # noqa: BLE001 - one bad message must not stop the others
            log.exception("handling %s %s failed", verified.context.action.value, verified.context.message_id)
        finally:
            self._backlog -= 1
        self._done.append(entry_id)

    async def _remover(self) -> None:
        """Remove handled entries in batches (handlers are idempotent, so a crash before this is safe).

        What a message caused is stored by its handler; keeping its body here as well would grow
        the database by every message ever received.
        """
        while True:
            await asyncio.sleep(0.05)
            if self._done:
                done, self._done = self._done, []
                await self._uow.run(self._remove, done)
                # Known until gone: a leftover scan and the link may both name an entry.
                self._queued.difference_update(done)
                if self.on_removed is not None:
                    self.on_removed(len(done))

    def _remove(self, ids: list[int]) -> None:
        with self._uow() as uow:
            uow.inbound.remove_handled(ids)
            uow.commit()
