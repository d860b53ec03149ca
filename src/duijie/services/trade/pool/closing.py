"""Closing pools, exactly once: the background job every node runs.

Every ``interval`` the job reads the due pools (the persisted schedule: ``state OPEN`` and
``close_at <= now``) and closes each in its own unit of work: the claim (a conditional UPDATE,
OPEN -> CLOSING, see :mod:`duijie.storage.pools_repo`), the domain's all-or-nothing close, the
outcome, and the members' signed callbacks queued in the outbox all commit together. A closer
that loses the claim (another process took it) writes nothing; one that dies before its commit
leaves the pool due for the next. After a successful close the batch order is placed with the
producer (``place_batch``, outside the transaction: it waits on the network) and retried on the
next rounds until the producer confirmed it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from duijie.domain.pools import CloseOutcome, Pool, PoolState
from duijie.interchange.pool_json import outcome_out
from duijie.services.ports import Clock
from duijie.services.trade.pool.ports import Member, PoolUnitOfWork, PoolUnitOfWorkFactory, StoredPool

log = logging.getLogger("duijie.pools")

Notify = Callable[[PoolUnitOfWork, Pool, CloseOutcome, list[Member]], None]
"""Queues, in the closing unit of work, what the members are told (release or allocation)."""

PlaceBatch = Callable[[StoredPool], Awaitable[str]]
"""Places the batch order with the producer: BATCH_CONFIRMED or BATCH_REFUSED (final); raises to retry."""

BATCH_PENDING = "pending"
BATCH_PLACING = "placing"  # claimed by one process, which is sending the batch order now
BATCH_CONFIRMED = "confirmed"
BATCH_REFUSED = "refused"
PLACING_LEASE = timedelta(minutes=2)
"""A claim to place a batch order older than this is taken over (its process died mid-order)."""


class PoolCloser:
    """Closes due pools once and sees their batch orders through."""

    def __init__(self, uow: PoolUnitOfWorkFactory, clock: Clock, notify: Notify | None = None,
                 place_batch: PlaceBatch | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.notify = notify
        self.place_batch = place_batch
        self.closed = 0  # pools this closer closed (tests and /healthz read it)

    def _due(self, now: datetime) -> list[str]:
        with self._uow(read_only=True) as uow:
            return uow.pools.due(now)

    def close_one(self, pool_id: str) -> CloseOutcome | None:
        """Claim and close ``pool_id`` in one transaction; None when another closer has it."""
        now = self._clock.now()
        with self._uow() as uow:
            if not uow.pools.claim(pool_id, now):
                return None
            stored = uow.pools.get(pool_id)
            assert stored is not None
            closed, outcome = stored.pool.close()
            batch = BATCH_PENDING if outcome.state is PoolState.SUCCEEDED and self.place_batch else None
            uow.pools.finish(pool_id, closed.state, outcome_out(outcome), batch, now)
            if self.notify is not None and (outcome.state is PoolState.FAILED or self.place_batch is None):
                # A failed pool's members are released now; a successful one's are told once the
                # producer confirmed the batch (see batch_confirmed).
                self.notify(uow, closed, outcome, uow.pools.members(pool_id))
            uow.commit()
        self.closed += 1
        log.info("pool %s closed: %s, %s pledged", pool_id, outcome.state.value, outcome.total)
        return outcome

    def batch_answered(self, pool_id: str, answer: str) -> None:
        """The producer confirmed the batch (every member's allocation is queued) or refused it
        (every member is released); recorded once, in one transaction with the notices."""
        now = self._clock.now()
        with self._uow() as uow:
            stored = uow.pools.get(pool_id, for_update=True)
            if stored is None or stored.batch_state not in (BATCH_PENDING, BATCH_PLACING):
                return  # told twice: the first answer queued the notices
            uow.pools.set_batch_state(pool_id, answer, now)
            if self.notify is not None:
                outcome = stored.pool.settle()
                if answer != BATCH_CONFIRMED:
                    outcome = CloseOutcome(PoolState.FAILED, outcome.total, None, None, ())
                self.notify(uow, stored.pool, outcome, uow.pools.members(pool_id))
            uow.commit()

    def _pending_batches(self) -> list[StoredPool]:
        with self._uow(read_only=True) as uow:
            return [p for p in uow.pools.recent((PoolState.SUCCEEDED,))
                    if p.batch_state in (BATCH_PENDING, BATCH_PLACING)]

    def claim_batch(self, pool_id: str) -> bool:
        """Rule: one process places a pool's batch order at a time (two serve processes on one
        database, or a repeat round, do not both send it); a claim older than the lease is taken over."""
        now = self._clock.now()
        with self._uow() as uow:
            won = uow.pools.claim_batch(pool_id, now, now - PLACING_LEASE)
            uow.commit()
        return won

    def _unclaim_batch(self, pool_id: str) -> None:
        with self._uow() as uow:
            stored = uow.pools.get(pool_id, for_update=True)
            if stored is not None and stored.batch_state == BATCH_PLACING:
                uow.pools.set_batch_state(pool_id, BATCH_PENDING, self._clock.now())
            uow.commit()

    async def run_once(self) -> int:
        """Close what is due and push pending batch orders; the number of pools closed."""
        closed = 0
        for pool_id in await self._uow.run(self._due, self._clock.now()):
            if await self._uow.run(self.close_one, pool_id) is not None:
                closed += 1
        if self.place_batch is not None:
            for stored in await self._uow.run(self._pending_batches):
                if not await self._uow.run(self.claim_batch, stored.pool.id):
                    continue  # another process is placing it
                try:
                    answer = await self.place_batch(stored)
                    await self._uow.run(self.batch_answered, stored.pool.id, answer)
                except Exception:  # noqa: BLE001 - the next round retries; one pool must not stop the rest
                    log.exception("batch order of pool %s failed; retrying", stored.pool.id)
                    await self._uow.run(self._unclaim_batch, stored.pool.id)
        return closed

    async def run(self, interval: float = 1.0) -> None:
        """The background job: :meth:`run_once` every ``interval`` seconds, for the node's life."""
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the schedule
                log.exception("pool closing round failed")
            await asyncio.sleep(interval)
