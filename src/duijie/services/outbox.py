"""Delivering persisted outgoing messages: sign on send, retry with backoff until ACK or expiry.

A peer's answer decides each message's fate (:func:`judge`): an ACK is ``sent``; a NACK, or a
status that says the peer will not take the message, is ``refused`` — recorded with the peer's
error, logged at warning and counted in ``/healthz`` (never passed off as ``sent``, and never
retried for ever); only a transient failure (no answer, 408, 429, 5xx, or a 401 while the peer
may not have learned our key yet) is tried again, until the message expires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from duijie.protocol import jsonbytes
from duijie.services.ports import (
    Clock,
    OutboxMessage,
    OutboxOutcome,
    OutboxState,
    Signer,
    Transport,
    UnitOfWorkFactory,
)

log = logging.getLogger("duijie.outbox")

MAX_BACKOFF = timedelta(seconds=60)

AUTH_RETRIES = 5
"""A 401 may only mean the peer has not learned our (new) key yet: tried this many times in all
(about 15 s with the backoff) before it counts as a refusal."""

NO_ANSWER_PREFIX = "no answer: "
"""How ``last_error`` starts when an attempt got no HTTP answer (it may still have arrived)."""

_Outcome = OutboxOutcome


def backoff(attempts: int) -> timedelta:
    """0.5 s, 1 s, 2 s, ... capped at a minute, so a returning peer is reached soon."""
    exponent = min(max(attempts - 1, 0), 16)  # beyond 2**16 the cap applies anyway
    return min(timedelta(seconds=0.5 * (2**exponent)), MAX_BACKOFF)


def is_ack(status: int, body: bytes) -> bool:
    """A delivery counts only when the peer answered 2xx with ``message.ack.status == ACK``."""
    if not 200 <= status < 300:
        return False
    try:
        return bool(jsonbytes.loads(body)["message"]["ack"]["status"] == "ACK")
    except (ValueError, KeyError, TypeError):
        return False


class Verdict(StrEnum):
    """What a peer's answer to one delivery attempt means for the message."""

    DELIVERED = "delivered"
    REFUSED = "refused"
    RETRY = "retry"


def judge(status: int, body: bytes, *, attempts: int, last_error: str | None) -> Verdict:
    """The fate of a message after attempt number ``attempts`` got HTTP ``status`` and ``body``.

    ``last_error`` is what the previous attempt recorded: a 409 after an attempt that got no
    answer means that attempt got through (the peer already has this message); any other 409 is
    the peer refusing it (say, as a replay of another message with its id).
    """
    if is_ack(status, body):
        return Verdict.DELIVERED
    if status == 409 and last_error is not None and last_error.startswith(NO_ANSWER_PREFIX):
        return Verdict.DELIVERED
    if status in (408, 429) or status >= 500:
        return Verdict.RETRY
    if status == 401 and attempts < AUTH_RETRIES:
        return Verdict.RETRY
    return Verdict.REFUSED  # a NACK (whatever its status), 409, 401 at last, any other 4xx


def peer_error(status: int, body: bytes) -> str:
    """``HTTP <status>`` and the NACK's ``error`` (code and message) or the start of the body."""
    try:
        error = jsonbytes.loads(body)["error"]
        detail = f"{error.get('code', '?')} {error.get('message', '')}".strip()
    except (ValueError, KeyError, TypeError, AttributeError):
        detail = body[:200].decode(errors="replace")
    return f"HTTP {status}: {detail[:300]}"


class OutboxSender:
    """Runs for the life of the server; a restart picks up whatever was still pending."""

    def __init__(self, uow: UnitOfWorkFactory, transport: Transport, signer: Signer, clock: Clock,
                 concurrency: int = 16, record_after: float = 0.02) -> None:
        self._uow = uow
        self._record_after = record_after
        self._transport = transport
        self._signer = signer
        self._clock = clock
        self._finished = asyncio.Event()
        self._sem = asyncio.Semaphore(concurrency)
        self._inflight: set[int] = set()
        self._outcomes: list[_Outcome] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(self, messages: Sequence[OutboxMessage]) -> None:
        """Start sending just-committed messages now, without reading them back (any thread).

        Before :meth:`run` has started they are left to its first poll, which finds them in the
        database anyway.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            if asyncio.get_running_loop() is loop:
                self._start(messages)
                return
        except RuntimeError:  # not in any event loop: a worker thread
            pass
        loop.call_soon_threadsafe(self._start, messages)

    def _start(self, messages: Sequence[OutboxMessage]) -> int:
        started = 0
        for msg in messages:
            if msg.id in self._inflight:
                continue
            self._inflight.add(msg.id)
            task = asyncio.create_task(self._deliver_one(msg))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return started

    async def run(self, poll_seconds: float = 0.5, *, poll: bool = True) -> None:
        """Deliver forever; a slow peer holds up only its own messages, never the others.

        Outcomes are recorded by a separate task: recording waits for the database's write lock,
        and new callbacks must not wait behind it to start going out. Without ``poll`` only the
        messages submitted here are sent (another process retries what falls due).
        """
        self._loop = asyncio.get_running_loop()
        recorder = asyncio.create_task(self._record_forever())
        try:
            if not poll:
                await recorder  # records for ever; only submitted messages are sent
            while True:
                started = await self.start_due()
                if started == 0:
                    # New messages arrive through submit(); the poll finds retries that fell due.
                    await asyncio.sleep(poll_seconds)
        finally:
            recorder.cancel()

    async def _record_forever(self) -> None:
        while True:
            await self._finished.wait()
            # Deliveries finish one by one; waiting a moment lets one transaction record many.
            # Until recorded a message counts as in flight, so it is not sent twice meanwhile.
            await asyncio.sleep(self._record_after)
            self._finished.clear()
            try:
                await self.flush_outcomes()
            except Exception:  # noqa: BLE001 - the outcomes were put back; try again on the next one
                log.exception("recording outbox outcomes failed")
                await asyncio.sleep(0.5)
                self._finished.set()

    async def start_due(self, limit: int = 64) -> int:
        """Start delivering every due message that is not already in flight."""
        now = self._clock.now()
        inflight = frozenset(self._inflight)
        rows = await self._uow.run(self._due, now, limit, inflight)
        return self._start([m for m in rows if m.id not in self._inflight][:limit])

    async def _deliver_one(self, msg: OutboxMessage) -> None:
        async with self._sem:
            outcome = await self._deliver(msg)
        self._outcomes.append(outcome)
        self._finished.set()

    async def flush_outcomes(self) -> None:
        """Record finished deliveries, all in one transaction."""
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []
        try:
            await self._uow.run(self._mark_all, outcomes)
        except BaseException:
            self._outcomes = outcomes + self._outcomes  # still in flight: recorded on the next try
            raise
        for outcome in outcomes:
            self._inflight.discard(outcome[0])

    async def deliver_due(self, limit: int = 64) -> int:
        """Try every due message once and record the outcomes (tests; a one-shot drain)."""
        started = await self.start_due(limit)
        if self._tasks:
            await asyncio.gather(*list(self._tasks))
        await self.flush_outcomes()
        return started

    def _due(self, now: datetime, limit: int, inflight: frozenset[int]) -> list[OutboxMessage]:
        with self._uow(read_only=True) as uow:
            return uow.outbox.due(now, limit, inflight)

    async def _deliver(self, msg: OutboxMessage) -> _Outcome:
        now = self._clock.now()
        attempts = msg.attempts + 1
        if now > msg.expires_at:
            log.warning("outbox %s %s to %s expired after %d attempts", msg.id, msg.action, msg.url, msg.attempts)
            return (msg.id, OutboxState.EXPIRED, attempts, now, "expired")
        try:
            headers = self._signer.headers_for(msg.body, now)
            # asyncio.timeout, not wait_for: wait_for wraps every send in one more task.
            async with asyncio.timeout(10):
                resp = await self._transport.send(msg.url, msg.body, headers)
        except Exception as exc:  # noqa: BLE001 - any failure is retried later
            error = f"{NO_ANSWER_PREFIX}{type(exc).__name__}: {exc}"
            log.info("outbox %s %s to %s failed (%s); retrying", msg.id, msg.action, msg.url, error)
            return (msg.id, OutboxState.PENDING, attempts, now + backoff(attempts), error)
        verdict = judge(resp.status, resp.body, attempts=attempts, last_error=msg.last_error)
        if verdict is Verdict.DELIVERED:
            return (msg.id, OutboxState.SENT, attempts, now, None)
        error = peer_error(resp.status, resp.body)
        if verdict is Verdict.REFUSED:
            log.warning("outbox %s: %s to %s refused after %d attempt(s): %s",
                        msg.id, msg.action, msg.url, attempts, error)
            return (msg.id, OutboxState.REFUSED, attempts, now, error)
        log.info("outbox %s %s to %s: %s; retrying", msg.id, msg.action, msg.url, error)
        return (msg.id, OutboxState.PENDING, attempts, now + backoff(attempts), error)

    async def counts(self) -> dict[str, int]:
        """How many messages wait, were refused, or expired (for ``/healthz``; sent ones are not counted)."""
        return await self._uow.run(self._counts)

    def _counts(self) -> dict[str, int]:
        with self._uow(read_only=True) as uow:
            return uow.outbox.count_unsent()

    def _mark_all(self, outcomes: list[_Outcome]) -> None:
        with self._uow() as uow:
            uow.outbox.mark_many(outcomes)
            uow.commit()

