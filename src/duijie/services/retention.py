"""Forgetting on schedule, so a node's database does not grow with every message it ever saw.

Two kinds of rows outlive their use:

- replay records (``seen_messages``): a message_id only needs remembering while a replay of it
  could still pass the signature window. The pipeline accepts no signature valid for longer than
  ``MAX_LIFETIME_SECONDS``, so after ``REPLAY_MEMORY_SECONDS`` a replay is refused as expired
  anyway (:mod:`duijie.protocol.signing`);
- outbox messages whose delivery ended (sent, expired or refused): kept a week for an operator
  looking into a delivery, then deleted.

Handled journal entries need no schedule: the journal removes them as soon as they are handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from duijie.protocol.signing import REPLAY_MEMORY_SECONDS
from duijie.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

OUTBOX_KEEP = timedelta(days=7)

_Step = Callable[[UnitOfWork, int], int]


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows one pass deleted."""

    replay_records: int
    outbox_messages: int


class Retention:
    """Deletes what the node no longer needs, in small transactions, every ``interval_s``."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        replay_memory: timedelta = timedelta(seconds=REPLAY_MEMORY_SECONDS),
        outbox_keep: timedelta = OUTBOX_KEEP,
        interval_s: float = 600.0,
        chunk: int = 1000,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._replay_memory = replay_memory
        self._outbox_keep = outbox_keep
        self._interval = interval_s
        self._chunk = chunk

    async def run(self) -> None:
        """Background task: a pass every ``interval_s`` until cancelled (a failed pass is logged)."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                pruned = await self.prune()
            except Exception:  # noqa: BLE001 - the next pass may succeed; nothing is lost by waiting
                log.exception("retention pass failed")
                continue
            if pruned.replay_records or pruned.outbox_messages:
                log.info("forgot %d replay record(s) and %d finished outbox message(s)",
                         pruned.replay_records, pruned.outbox_messages)

    async def prune(self) -> Pruned:
        """One pass: everything past its retention, ``chunk`` rows per transaction."""
        now = self._clock.now()
        replay_before = now - self._replay_memory
        outbox_before = now - self._outbox_keep
        return Pruned(
            replay_records=await self._drain(lambda uow, n: uow.messages.forget_before(replay_before, n)),
            outbox_messages=await self._drain(lambda uow, n: uow.outbox.prune_finished(outbox_before, n)),
        )

    async def _drain(self, step: _Step) -> int:
        total = 0
        while True:
            deleted = await self._uow.run(self._one_chunk, step)
            total += deleted
            if deleted < self._chunk:
                return total
            # SQLite work runs inline on the event loop: let requests in between chunks.
            await asyncio.sleep(0)

    def _one_chunk(self, step: _Step) -> int:
        with self._uow() as uow:
            deleted = step(uow, self._chunk)
            uow.commit()
        return deleted

